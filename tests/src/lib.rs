//! Support shared by the integration tests and the crash-test writer.
