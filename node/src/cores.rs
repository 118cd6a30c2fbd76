//! Work split between the machine's cores, for the few jobs that are many independent pieces
//! (reading the rows of an import file, building and signing the items of an import).

/// Most threads [`on_every_core`] starts: past this, a big machine gains little on these jobs.
const MOST: usize = 8;

/// `work` on each of `items`, split between the machine's cores (in as many runs of items as
/// it has cores, at most [`MOST`]), the results in the order of `items`. A panic in `work`
/// reaches the caller, as if the work ran on the caller's thread.
pub(crate) fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MOST);
    if cores == 1 || items.len() < 2 {
        return items.iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let runs: Vec<_> = items
            .chunks(items.len().div_ceil(cores))
            .map(|run| scope.spawn(move || run.iter().map(work).collect::<Vec<_>>()))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u32> = (0..1001).collect();
        assert_eq!(
            super::on_every_core(&items, |i| i * 2),
            (0..1001).map(|i| i * 2).collect::<Vec<_>>()
        );
        assert!(super::on_every_core(&[] as &[u32], |i| *i).is_empty());
    }
}
