//! Where a device's events go while a thread steps its chunks: the thread's tally (timelines, latency
//! samples, gate and action counts) and, when load is counted, the thread's part of the request ledger. This
//! is the engine's [`Recorder`]: the model names its events, this turns them into metrics and request counts.

use crate::load::book::{DEFERRED, LoadBook, ThreadLedger};
use crate::metrics::names::Metric;
use crate::metrics::tally::Tally;
use crate::model::action::ActionKind;
use crate::model::availability::Online;
use crate::model::infrastructure::Request;
use crate::model::record::{Cohort, Latency, Recorder};
use crate::model::rollout::GateCounts;
use crate::model::schedule::{Jittered, MdmSchedule, Periodic};
use crate::model::states::{CaState, ComplianceState, Funnel, HealthState, Milestone};
use crate::model::time::Time;
use crate::model::workload::Workload;

/// One thread's tally and ledger part, borrowed for one task (a chunk's generation, step or remote action).
pub struct ThreadRecorder<'a> {
    tally: &'a mut Tally,
    ledger: Option<(&'a LoadBook, &'a mut ThreadLedger)>,
    /// The chunk's [`DeferredScans`], while one of its tasks records.
    scans: Option<DeferredScans<'a>>,
}

/// Which of a chunk's devices run software update scans from t = 0 that the ledger has not counted yet:
/// it counts them late (`load::book::DEFERRED`) — when they stop, only the runs before the stop; at the end
/// of the run, the ones still going. One bit per device, so that the chunk's set stays in cache while its
/// devices are stepped (a start time per device missed the cache at every stop). Only scans from t = 0 (every
/// existing client's from the run's start) are deferred; the rest — an OS deployment's or a returning
/// client's, scans resumed after a switch back, and an internet client's, which are also CMG requests the
/// CMG's queue reads as the run goes — are counted when they start, as the other tasks of days are.
pub struct DeferredScans<'a> {
    /// Id of the chunk's first device.
    pub first: u32,
    /// Bit `i % 64` of word `i / 64`: device `first + i`.
    pub bits: &'a mut [u64],
}

impl DeferredScans<'_> {
    /// Sets (`on`) or clears device `id`'s bit; returns what it was.
    fn replace(&mut self, id: u32, on: bool) -> bool {
        let i = (id - self.first) as usize;
        let Some(word) = self.bits.get_mut(i / 64) else {
            return false;
        };
        let bit = 1u64 << (i % 64);
        let was = *word & bit != 0;
        if on {
            *word |= bit;
        } else {
            *word &= !bit;
        }
        was
    }
}

impl<'a> ThreadRecorder<'a> {
    /// Records into `tally`, and into the ledger part when load is counted.
    pub fn new(tally: &'a mut Tally, ledger: Option<(&'a LoadBook, &'a mut ThreadLedger)>) -> Self {
        ThreadRecorder {
            tally,
            ledger,
            scans: None,
        }
    }

    /// Asks for the word of the chunk's deferred-scan bits that holds its device `index` (see
    /// `prefetch`).
    #[inline]
    pub fn prefetch_scans(&self, index: usize) {
        if let Some(scans) = &self.scans {
            super::prefetch::prefetch(scans.bits, index / 64);
        }
    }

    /// This recorder, keeping a chunk's deferred scans (`first`: its first device's id).
    pub fn with_scans<'b>(self, first: u32, bits: &'b mut [u64]) -> ThreadRecorder<'b>
    where
        'a: 'b,
    {
        ThreadRecorder {
            tally: self.tally,
            ledger: self.ledger,
            scans: Some(DeferredScans { first, bits }),
        }
    }

    /// Counts the load walks this task queued (`LoadBook::periodic`): a chunk's task ends with its walks
    /// counted, before the epoch's buckets are read.
    pub fn flush(&mut self) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.flush(ledger);
        }
    }
}

/// The latency metric a device's measured interval is a sample of.
#[inline]
fn metric(latency: Latency) -> Metric {
    match latency {
        Latency::TimeToComanagedExistingClient => Metric::TimeToComanagedExistingClient,
        Latency::TimeToComanagedNewInternet => Metric::TimeToComanagedNewInternet,
        Latency::HybridJoin => Metric::HybridJoin,
        Latency::MdmEnrollment => Metric::MdmEnrollment,
        Latency::ClientInstall => Metric::ClientInstall,
        Latency::SwitchLatency(w) => Metric::SwitchLatency(w),
        Latency::ComplianceLatency => Metric::ComplianceLatency,
        Latency::SwitchToCompliance => Metric::SwitchToCompliance,
        Latency::CaReadyLatency => Metric::CaReadyLatency,
        Latency::CaBlockLatency => Metric::CaBlockLatency,
        Latency::TimeToComanagedOsd => Metric::TimeToComanagedOsd,
        Latency::HealthVisibleLatency => Metric::HealthVisibleLatency,
        Latency::WorkloadEffectiveLatency(w) => Metric::WorkloadEffectiveLatency(w),
    }
}

impl Recorder for ThreadRecorder<'_> {
    #[inline]
    fn device(&mut self, cohort: Cohort) {
        self.tally.device(cohort);
    }

    #[inline]
    fn milestone(&mut self, t: Time, from: Option<Milestone>, to: Milestone) {
        self.tally.milestone(t, from, to);
    }

    #[inline]
    fn failure_code(&mut self, index: usize) {
        let codes = &mut self.tally.failure_codes;
        if codes.len() <= index {
            codes.resize(index + 1, 0);
        }
        codes[index] += 1;
    }

    #[inline]
    fn funnel(&mut self, t: Time, from: Option<Funnel>, to: Option<Funnel>) {
        self.tally.funnel(t, from, to);
    }

    #[inline]
    fn latency(&mut self, latency: Latency, seconds: Time) {
        self.tally.sample(metric(latency).index(), seconds);
    }

    #[inline]
    fn authority(&mut self, t: Time, w: Workload, delta: i32) {
        self.tally.authority(t, w, delta);
    }

    #[inline]
    fn compliance(&mut self, t: Time, from: ComplianceState, to: ComplianceState) {
        self.tally.compliance(t, from, to);
    }

    #[inline]
    fn ca(&mut self, t: Time, from: CaState, to: CaState) {
        self.tally.ca(t, from, to);
    }

    #[inline]
    fn health(&mut self, t: Time, from: HealthState, to: HealthState) {
        self.tally.health(t, from, to);
    }

    #[inline]
    fn gate(&mut self) -> &mut GateCounts {
        &mut self.tally.gate
    }

    fn remote_action(&mut self, index: usize, kind: ActionKind, latency: Option<Time>) {
        self.tally.action(index).record(latency);
        if let Some(latency) = latency {
            self.tally
                .sample(Metric::RemoteActionLatency(kind).index(), latency);
        }
    }

    #[inline]
    fn counts_requests(&self) -> bool {
        self.ledger.is_some()
    }

    #[inline]
    fn request(&mut self, request: Request, t: Time) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.count(ledger, request, t);
        }
    }

    #[inline]
    fn periodic(&mut self, request: Request, online: &Online, ticks: &Periodic, from: Time) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.periodic(ledger, request, online, ticks, from);
        }
    }

    #[inline]
    fn mdm_checkins(&mut self, online: &Online, schedule: &MdmSchedule<'_>, from: Time) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.mdm_checkins(ledger, online, schedule, from);
        }
    }

    fn cancel_periodic(&mut self, request: Request, online: &Online, ticks: &Periodic, from: Time) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.cancel_periodic(ledger, request, online, ticks, from);
        }
    }

    fn cancel_checkins(&mut self, online: &Online, schedule: &MdmSchedule<'_>, from: Time) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.cancel_checkins(ledger, online, schedule, from);
        }
    }

    fn weekly(
        &mut self,
        request: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    ) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.weekly(ledger, request, also, online, ticks, from);
        }
    }

    fn cancel_weekly(
        &mut self,
        request: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    ) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.cancel_weekly(ledger, request, also, online, ticks, from);
        }
    }

    fn update_scans(
        &mut self,
        id: u32,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    ) {
        let Some((book, ledger)) = &mut self.ledger else {
            return;
        };
        let deferrable = from == 0 && also.is_none();
        match self.scans.as_mut().filter(|_| deferrable) {
            Some(scans) => {
                if scans.replace(id, true) {
                    // Already going (the model never starts them twice): those count in full.
                    book.weekly(ledger, DEFERRED, None, online, ticks, 0);
                }
            }
            None => book.weekly(ledger, DEFERRED, also, online, ticks, from),
        }
    }

    fn stop_update_scans(
        &mut self,
        id: u32,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    ) {
        let Some((book, ledger)) = &mut self.ledger else {
            return;
        };
        let deferred = also.is_none() && self.scans.as_mut().is_some_and(|s| s.replace(id, false));
        if deferred {
            book.weekly_between(ledger, DEFERRED, None, online, ticks, 0, from);
        } else {
            book.cancel_weekly(ledger, DEFERRED, also, online, ticks, from);
        }
    }

    #[inline]
    fn cmg_content(&mut self, t: Time, delta: i32) {
        if let Some((book, ledger)) = &mut self.ledger {
            book.content(ledger, t, delta);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every latency a device measures is a sample of the metric of the same name.
    #[test]
    fn each_latency_feeds_the_metric_of_its_name() {
        let mut latencies = vec![
            Latency::TimeToComanagedExistingClient,
            Latency::TimeToComanagedNewInternet,
            Latency::HybridJoin,
            Latency::MdmEnrollment,
            Latency::ClientInstall,
            Latency::ComplianceLatency,
            Latency::SwitchToCompliance,
            Latency::CaReadyLatency,
            Latency::CaBlockLatency,
            Latency::TimeToComanagedOsd,
            Latency::HealthVisibleLatency,
        ];
        latencies.extend(Workload::ALL.map(Latency::SwitchLatency));
        latencies.extend(Workload::ALL.map(Latency::WorkloadEffectiveLatency));
        for latency in latencies {
            assert_eq!(format!("{latency:?}"), format!("{:?}", metric(latency)));
        }
    }
}
