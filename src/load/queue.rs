//! Capacity and overload: each component with a capacity serves requests first come, first served at its
//! capacity rate (a fluid queue, bucket by bucket); requests that would wait longer than the queue limit are
//! rejected, and the client retries at its next regular run.
//!
//! The queue is resolved serially, bucket by bucket, after each epoch (docs/model.md, engine principle 4); the delay and
//! rejection share it ends the epoch with apply to the requests of the next epoch, so results stay
//! byte-identical for any thread count.

use super::{Component, Request};
use crate::metrics::histogram::Distribution;
use crate::model::time::Time;

/// The state of one bucket of one component.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLoad {
    /// Requests that arrived in the bucket.
    pub requests: u64,
    /// Requests the component could serve in the bucket (`None` = no capacity modelled).
    pub capacity: Option<f64>,
    /// Requests still waiting at the start of the bucket.
    pub backlog: f64,
    /// Requests rejected in the bucket (the queue was full).
    pub rejected: f64,
}

impl BucketLoad {
    /// Arrivals over capacity (0 without a capacity).
    pub fn utilisation(&self) -> Option<f64> {
        self.capacity.map(|k| self.requests as f64 / k)
    }

    /// Queue wait of the request that arrives at fraction `q` of the bucket's arrivals, in seconds, for a
    /// component serving `rate` requests per second: the backlog ahead of it plus the arrivals before it that
    /// the bucket could not serve, capped by the queue limit.
    pub fn delay_at(&self, q: f64, rate: f64, limit: f64) -> f64 {
        match self.capacity {
            None => 0.0,
            Some(k) => {
                let excess = (self.requests as f64 - k).max(0.0);
                ((self.backlog + q * excess) / rate).min(limit)
            }
        }
    }
}

/// One component's queue over the run.
#[derive(Debug, Clone)]
pub struct Queue {
    component: Component,
    /// Capacity in requests per second (`None` = not modelled: count only).
    rate: Option<f64>,
    /// Longest wait before a request is rejected, seconds (infinite: never rejected).
    limit: f64,
    backlog: f64,
    /// Per bucket.
    pub buckets: Vec<BucketLoad>,
    /// Queue delays, one sample per request (seconds).
    pub delays: Distribution,
    /// Requests rejected in total.
    pub rejected: f64,
}

impl Queue {
    /// A queue for `component` serving `rate` requests/s (if modelled), rejecting past `limit` seconds
    /// (`None`: never rejecting, only delaying).
    pub fn new(
        component: Component,
        rate: Option<f64>,
        limit: Option<Time>,
        horizon: Time,
    ) -> Self {
        Queue {
            component,
            rate,
            limit: limit.map_or(f64::INFINITY, f64::from),
            backlog: 0.0,
            buckets: Vec::new(),
            delays: Distribution::new(u64::from(horizon.max(2))),
            rejected: 0.0,
        }
    }

    /// The component.
    pub fn component(&self) -> Component {
        self.component
    }

    /// Capacity in requests per second, if modelled.
    pub fn rate(&self) -> Option<f64> {
        self.rate
    }

    /// Serves the next bucket's `requests` (bucket length `bucket` seconds).
    pub fn serve(&mut self, requests: u64, bucket: Time) {
        let Some(rate) = self.rate else {
            self.buckets.push(BucketLoad {
                requests,
                capacity: None,
                backlog: 0.0,
                rejected: 0.0,
            });
            return;
        };
        let capacity = rate * f64::from(bucket);
        let mut load = BucketLoad {
            requests,
            capacity: Some(capacity),
            backlog: self.backlog,
            rejected: 0.0,
        };
        if requests > 0 {
            let mean_delay = load.delay_at(0.5, rate, self.limit);
            self.delays.record_n(mean_delay.round() as u32, requests);
        }
        let mut next = (self.backlog + requests as f64 - capacity).max(0.0);
        let max_backlog = rate * self.limit;
        if next > max_backlog {
            load.rejected = next - max_backlog;
            self.rejected += load.rejected;
            next = max_backlog;
        }
        self.backlog = next;
        self.buckets.push(load);
    }

    /// The delay and rejection share the next epoch's requests meet, from the buckets since `since`.
    pub fn pressure(&self, since: usize) -> (Time, u32) {
        let Some(rate) = self.rate else {
            return (0, 0);
        };
        let delay = (self.backlog / rate).ceil() as Time;
        let (arrived, rejected) = self.buckets[since.min(self.buckets.len())..]
            .iter()
            .fold((0.0, 0.0), |(a, r), b| {
                (a + b.requests as f64, r + b.rejected)
            });
        let share = if arrived > 0.0 {
            (rejected / arrived).min(1.0)
        } else {
            0.0
        };
        (delay, (share * f64::from(u32::MAX)) as u32)
    }
}

/// Total requests of a component in one finalized bucket row.
pub fn component_requests(
    row: &[u64; crate::model::infrastructure::REQUESTS],
    component: Component,
) -> u64 {
    Request::ALL
        .iter()
        .filter(|r| r.component() == component)
        .map(|r| row[r.index()])
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_capacity_nothing_waits() {
        let mut q = Queue::new(Component::ManagementPoint, Some(10.0), Some(600), 86_400);
        for _ in 0..10 {
            q.serve(500, 60);
        }
        assert_eq!(q.pressure(0), (0, 0));
        assert_eq!(q.delays.max(), Some(0));
        assert_eq!(q.buckets[0].utilisation(), Some(500.0 / 600.0));
    }

    #[test]
    fn overload_builds_a_backlog_then_rejects() {
        let mut q = Queue::new(Component::Cmg, Some(1.0), Some(120), 86_400);
        q.serve(120, 60); // 60 served, 60 wait
        assert_eq!(q.pressure(0).0, 60);
        q.serve(120, 60); // 60 + 120 - 60 = 120 waiting: exactly the limit
        assert_eq!(q.pressure(0), (120, 0));
        q.serve(120, 60); // 180 would wait: 60 rejected
        assert_eq!(q.rejected, 60.0);
        let (delay, reject) = q.pressure(2);
        assert_eq!(delay, 120);
        assert!(
            reject > u32::MAX / 3 && reject < u32::MAX / 2 + 1,
            "{reject}"
        );
        q.serve(0, 60);
        assert_eq!(q.pressure(3).0, 60);
    }

    #[test]
    fn without_a_limit_overload_only_delays() {
        let mut q = Queue::new(Component::Cmg, Some(1.0), None, 86_400);
        for _ in 0..10 {
            q.serve(120, 60);
        }
        // 60 requests a minute more than served, for 10 minutes: 600 waiting, none turned away.
        assert_eq!(q.rejected, 0.0);
        assert_eq!(q.pressure(0), (600, 0));
    }

    #[test]
    fn uncapped_components_only_count() {
        let mut q = Queue::new(Component::Intune, None, Some(600), 86_400);
        q.serve(1_000_000, 60);
        assert_eq!(q.pressure(0), (0, 0));
        assert_eq!(q.buckets[0].utilisation(), None);
    }
}
