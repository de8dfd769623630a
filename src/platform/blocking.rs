//! The one crossing from async code to blocking work (external programs through the runner, file
//! work, the editor, flock): a blocking thread, so the async workers and the signal listener keep
//! running. A panic on the blocking thread unwinds it first (its guards clean up) and is re-raised
//! in the caller, as if the work had run inline.

/// Runs `work` on tokio's blocking pool and returns what it returns.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn returns_the_work_s_value() {
        assert_eq!(super::run(|| 6 * 7).await, 42);
    }

    #[tokio::test]
    #[should_panic(expected = "boom from the blocking thread")]
    async fn a_panic_is_re_raised_in_the_caller() {
        super::run(|| panic!("boom from the blocking thread")).await
    }
}
