// An independent check of a Liaison item against its mechanism's keyset, written from the
// README's format description alone, with automerge's JavaScript library, TweetNaCl (ed25519)
// and cborg (CBOR): it shares no code with Liaison.
//
// Usage: node check_item.mjs PROVENANCE.json KEYSET.json [KEYSET.json...]
// Prints one line and exits 0 when every signature holds, every signer is a member node its
// mechanism's keyset certifies (when it signed, and not revoked), and the copy is the state the
// owner's checkpoint covers; prints why and exits 1 otherwise.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import * as Automerge from "@automerge/automerge";
import { decode } from "cborg";
import nacl from "tweetnacl";

const fail = (why) => {
  console.log(`refused: ${why}`);
  process.exit(1);
};
const text = new TextEncoder();
const concat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p)));
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const sha256 = (...parts) => createHash("sha256").update(concat(...parts)).digest();
// ed25519 over context || bytes.
const verifies = (context, key, bytes, signature) =>
  nacl.sign.detached.verify(concat(text.encode(context), bytes), signature, key);
const when = (rfc3339) => Date.parse(rfc3339) / 1000;

// The keysets: each mechanism's authority, the keys it certifies and the keys it revoked.
const certified = new Map(); // key hex -> certificate
const revoked = new Map(); // key hex -> revocation
for (const path of process.argv.slice(3)) {
  const file = JSON.parse(readFileSync(path, "utf8"));
  if (file.format !== "liaison-keyset/1") fail(`${path}: format ${file.format}`);
  const body = Buffer.from(file.keyset, "base64");
  const keyset = decode(body);
  if (!verifies("liaison/keyset/v1\0", keyset.authority, body, Buffer.from(file.signature, "hex")))
    fail(`${path}: the keyset's signature`);
  if (when(keyset.expires) <= Date.now() / 1000) fail(`${path}: expired`);
  for (const [list, context, into] of [
    [keyset.certificates, "liaison/cert/v1\0", certified],
    [keyset.revocations, "liaison/revocation/v1\0", revoked],
  ]) {
    for (const signed of list) {
      const statement = decode(signed.bytes);
      if (!verifies(context, keyset.authority, signed.bytes, signed.signature))
        fail(`${path}: a statement's signature`);
      if (hex(statement.authority) !== hex(keyset.authority) || statement.mechanism !== keyset.mechanism)
        fail(`${path}: a statement by another authority`);
      into.set(hex(statement.key), statement);
    }
  }
}

// A member node of one of `mechanisms` at Unix time `t`, by the keysets.
const member = (key, mechanisms, t, what) => {
  const k = hex(key);
  if (revoked.has(k)) fail(`${what}: key ${k} was revoked (${revoked.get(k).reason})`);
  const cert = certified.get(k);
  if (!cert) fail(`${what}: key ${k} is in no keyset given`);
  if (!mechanisms.includes(cert.mechanism) || cert.role !== "member")
    fail(`${what}: key ${k} is a ${cert.role} of ${cert.mechanism}, not a member of ${mechanisms}`);
  const from = when(cert.not_before);
  const until = cert.not_after === undefined ? Infinity : when(cert.not_after);
  // Changes carry whole seconds.
  if (t < Math.floor(from) || t >= until) fail(`${what}: key ${k}'s certificate does not hold at ${t}`);
};

const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const p = doc.provenance;
const headerBytes = Buffer.from(p.header, "base64");
const header = decode(headerBytes);
if (!verifies("liaison/header/v1\0", header.creator, headerBytes, Buffer.from(p.header_signature, "hex")))
  fail("the header's signature");
if (doc.id !== undefined && doc.id.replace(/-/g, "") !== hex(header.id)) fail("the unsigned id differs");
member(header.creator, [header.owner], Math.floor(when(header.created)), "the header");
const writers = [header.owner, ...(header.co_owners ?? [])];

// Every change of the document, signed by the key its actor id starts with.
const document = Automerge.load(new Uint8Array(Buffer.from(p.document, "base64")));
const signatures = new Map(p.signatures.map((s) => [s.hash, s]));
const changes = Automerge.getAllChanges(document).map((c) => Automerge.decodeChange(c));
for (const change of changes) {
  const sig = signatures.get(change.hash);
  if (!sig) fail(`change ${change.hash} is not signed`);
  if (!change.actor.startsWith(sig.signer)) fail(`change ${change.hash}: its actor is not its signer`);
  const signed = concat(header.id, Buffer.from(change.hash, "hex"));
  if (!verifies("liaison/change/v1\0", Buffer.from(sig.signer, "hex"), signed, Buffer.from(sig.signature, "hex")))
    fail(`change ${change.hash}: its signature`);
  member(Buffer.from(sig.signer, "hex"), writers, change.time, `change ${change.hash}`);
}

// The owner's checkpoint, and the proof that this state is one it covers.
let fresh = "no checkpoint";
if (doc.checkpoint) {
  const prefix = "liaison-checkpoint1:";
  if (!doc.checkpoint.startsWith(prefix)) fail("the checkpoint's prefix");
  const armored = Buffer.from(doc.checkpoint.slice(prefix.length), "base64url");
  const bytes = armored.subarray(0, armored.length - 4);
  if (!sha256(bytes).subarray(0, 4).equals(armored.subarray(armored.length - 4))) fail("the checkpoint's checksum");
  const signed = decode(bytes);
  const checkpoint = decode(signed.bytes);
  if (!verifies("liaison/checkpoint/v1\0", checkpoint.signer, signed.bytes, signed.signature))
    fail("the checkpoint's signature");
  if (checkpoint.mechanism !== header.owner) fail("a checkpoint of another mechanism");
  member(checkpoint.signer, [header.owner], Math.floor(when(checkpoint.time)), "the checkpoint");
  const heads = Automerge.getHeads(document).map((h) => Buffer.from(h, "hex"));
  heads.sort(Buffer.compare);
  const digest = sha256(...heads);
  let hash = sha256([0], header.id, digest);
  // RFC 9162, 2.1.3.2: the inclusion proof, from the leaf up.
  const proof = doc.proof;
  if (!proof) fail("no proof that this copy is the state the checkpoint covers");
  let [fn, sn] = [proof.index, proof.size - 1];
  for (const sibling of proof.path.map((h) => Buffer.from(h, "hex"))) {
    if (sn === 0) fail("the proof is too long");
    if (fn % 2 === 1 || fn === sn) {
      hash = sha256([1], sibling, hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      hash = sha256([1], hash, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0 || !hash.equals(Buffer.from(checkpoint.root)) || proof.size !== Number(checkpoint.count))
    fail("the proof does not lead to the checkpoint's root: this is not the state it covers");
  fresh = `covered by the checkpoint of ${checkpoint.time}`;
}
console.log(`verified ${header.kind} ${hex(header.id)} owned by ${header.owner}: ${changes.length} changes, ${fresh}`);
