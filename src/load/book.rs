//! The request ledger: per request type and time bucket, exact counts, filled concurrently by all chunks.
//!
//! Each worker thread adds into its own ledger of integer counters, kept in its tally (no lock, no contention
//! on the hot morning buckets); a bucket's count is the sum over ledgers. Integer additions commute, so the
//! totals are identical whatever the thread count or the order chunks run in (docs/model.md, engine principle 3). A bucket is read only after every
//! chunk has finished the epoch that contains it ([`LoadBook::finalize`]), and a device only ever adds to
//! buckets at or after its own current time, so a finalized bucket never changes again.

use super::Request;
use super::kernel::{BLOCK, Cells, Days, Isa, Kernel, bucket_magic, period_magic};
use crate::model::availability::{Online, Profile};
use crate::model::infrastructure::REQUESTS;
use crate::model::schedule::{Jittered, MdmSchedule, Periodic, Ticks};
use crate::model::time::{DAY, Divisor, NEVER, Time};
use crate::rng::day_part;

/// Request types whose periodic part is counted with strided difference arrays.
const PERIODIC: [Request; 3] = [
    Request::MpPolicyPoll,
    Request::CmgPolicyPoll,
    Request::MdmCheckin,
];

/// The request type whose counts nothing reads while the run goes on — the software update point's queue
/// delays nothing the model times — so a device's software update scans can be counted late: when they stop
/// (its `windows_update_policies` workload moves to Intune, mostly early in a rollout) only those before the
/// stop, instead of every scan to the horizon and then those after the stop taken back; at the end of the
/// run, the ones still going. [`LoadBook::finalize`] leaves its lane at 0; [`LoadBook::deferred`] reads it at
/// the end.
pub const DEFERRED: Request = Request::SupScan;

fn periodic_slot(r: Request) -> usize {
    match r {
        Request::MpPolicyPoll => 0,
        Request::CmgPolicyPoll => 1,
        Request::MdmCheckin => 2,
        other => unreachable!("{other:?} is not a periodic request"),
    }
}

/// Which ConfigMgr clients a client count is of: those whose policy reaches them from a management point
/// directly (on-premises), or through the CMG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// On-premises clients of the sites' management points.
    ManagementPoint = 0,
    /// Internet clients of the CMG.
    Cmg = 1,
}

/// Where a strided difference array keeps the cell of tick `k` of the ticks whose phase is in bucket `base`
/// (`base < stride`): the tick's bucket is `base + k·stride`, and the cell is `base·per_base + k·per_tick`.
///
/// Bucket-major (`per_base` 1, `per_tick` = stride) keeps a bucket's cell where the bucket is; column-major
/// (`per_base` = ticks in the run, `per_tick` 1) keeps all of one phase's ticks together, so a device's month
/// of updates stays in a few cache lines. Which is better depends on the stride: a device's walk updates two
/// cells a day, its first and its last tick of the day. With hourly policy polls those cells lie, bucket-major,
/// in the two hours after 07:30 and after 17:30 for every device — a few dozen kilobytes for the month, which
/// stay cached while thousands of devices walk; with 8-hourly check-ins they spread over 8 hours of every day
/// and each update missed the first-level cache, while a device's column of a month's ticks is 90 cells
/// (cachegrind, bench-1m at 100,000 devices, one thread: the walks' first-level misses 4.18M → 2.15M with
/// check-ins column-major; polls column-major too, 3.13M).
#[derive(Debug, Clone, Copy)]
struct StridedLayout {
    /// Period of the ticks, in buckets.
    stride: usize,
    /// Ticks a phase has in the run (one more than fit, for the cell after the last).
    ticks: usize,
    per_base: usize,
    per_tick: usize,
}

impl StridedLayout {
    /// Strides from this many buckets on (4 h of one-minute buckets; the check-in default is 8 h, the policy
    /// poll's 1 h) are column-major.
    const COLUMN_MAJOR_FROM: usize = 240;

    fn new(stride: usize, buckets: usize) -> Self {
        let ticks = buckets.div_ceil(stride) + 1;
        let (per_base, per_tick) = if stride >= Self::COLUMN_MAJOR_FROM {
            (ticks, 1)
        } else {
            (1, stride)
        };
        StridedLayout {
            stride,
            ticks,
            per_base,
            per_tick,
        }
    }

    #[inline]
    fn cell(&self, base: usize, k: usize) -> usize {
        base * self.per_base + k * self.per_tick
    }

    /// The cell of bucket `b`.
    fn cell_of_bucket(&self, b: usize) -> usize {
        self.cell(b % self.stride, b / self.stride)
    }

    fn len(&self) -> usize {
        self.stride * self.ticks
    }
}

/// One thread's request counters (kept beside its tally, `engine::tallies::ThreadTally`, which the thread
/// holds while it steps a chunk: counting takes no lock): one lane of `buckets` counters per request type
/// (index `Request::index`) for one-off requests, and one strided difference array per periodic request type
/// (see `StridedLayout`).
///
/// A device's walk over its online windows updates, per day, three counters of one request type (its
/// catch-up request, its first and its last tick); lane by lane, a month of one type's mornings and evenings
/// is a few dozen kilobytes, mostly cache-resident while thousands of devices walk it (cachegrind, bench-1m
/// at 100,000 devices: 18 % fewer first-level data misses than bucket-major cells).
#[derive(Debug, Clone)]
pub struct ThreadLedger {
    /// Walks queued for counting (see [`LoadBook::periodic`]).
    pending: Vec<Pending>,
    /// One-off cells the tasks of days ([`LoadBook::weekly`]) add to, queued: each a cell of `one_off`, with
    /// [`TAKEN_BACK`] set for −1. Spread over the month, a task's runs land in cells the caches rarely hold;
    /// added in one tight loop, their misses overlap instead of stalling the search for the next run.
    runs: Vec<u32>,
    /// What a counted request adds: 1, or −1 while runs are taken back ([`LoadBook::cancel_periodic`]).
    sign: i32,
    one_off: Vec<i32>,
    strided: [Vec<i32>; 3],
    buckets: usize,
    /// The walk kernel's block of cells, and which of its days have a window: scratch space kept here so
    /// that a walk does not clear three quarters of a kilobyte of stack first (a few percent of a
    /// million-device run, when each walk had its own).
    cells: Box<Cells>,
    kept: Box<[usize; BLOCK]>,
    /// The CMG's connected clients as a difference array over buckets (+1 where a CMG client's online window
    /// starts counting, −1 where it stops): its running sum is how many are online at each bucket's start.
    cmg_online: Vec<i32>,
    /// ConfigMgr clients counted, per [`Presence`] slot: devices that run a policy-poll walk and are online
    /// at least once before the horizon.
    clients: [u64; 2],
    /// See [`LoadBook::content`].
    content_seconds: i64,
}

impl ThreadLedger {
    #[inline]
    fn cell(&mut self, bucket: usize, r: Request) -> &mut i32 {
        &mut self.one_off[r.index() * self.buckets + bucket]
    }

    fn get(&self, bucket: usize, r: Request) -> i32 {
        self.one_off[r.index() * self.buckets + bucket]
    }

    /// Request type `r`'s one-off lane, the strided array of `slot`, the CMG's connections, and the walk
    /// kernel's scratch space.
    #[allow(clippy::type_complexity)]
    fn lanes(
        &mut self,
        r: Request,
        slot: usize,
    ) -> (
        &mut [i32],
        &mut [i32],
        &mut [i32],
        &mut Cells,
        &mut [usize; BLOCK],
    ) {
        let b = self.buckets;
        (
            &mut self.one_off[r.index() * b..(r.index() + 1) * b],
            &mut self.strided[slot],
            &mut self.cmg_online,
            &mut self.cells,
            &mut self.kept,
        )
    }
}

/// A periodic walk queued for counting.
#[derive(Debug, Clone, Copy)]
struct Pending {
    request: Request,
    online: Online,
    ticks: Periodic,
    from: Time,
    /// Counted (1) or taken back (−1).
    sign: i32,
}

/// Walks queued per thread before they are counted: a few kilobytes, which stay in the first-level cache.
const PENDING: usize = 128;

/// Runs of tasks of days queued per thread before they are added (16 KB).
const RUNS: usize = 4096;

/// The bit of a queued run (see `ThreadLedger::runs`) that marks it taken back.
const TAKEN_BACK: u32 = 1 << 31;

/// Where a walk of a task of days starts (`LoadBook::weekly_start`).
#[derive(Debug, Clone, Copy)]
struct WeeklyStart {
    /// The run of the ticks missed in the gap the walk starts in, if any.
    catch_up: Option<Time>,
    /// The first cycle the walk runs through `online_from`, and its tick.
    cycle: (u32, Time),
}

/// Per-bucket request counts of a run.
pub struct LoadBook {
    bucket: Divisor,
    horizon: Time,
    buckets: usize,
    /// Cell layout of each strided array.
    layout: [StridedLayout; 3],
    /// What every walk kernel of a strided array shares (its divisions done once per run, not per walk);
    /// `None` when the period does not divide a day.
    kernels: [Option<Kernel>; 3],
    /// Period (seconds) of each strided array's ticks.
    period: [Divisor; 3],
    /// Finalized counts: per bucket, per request type.
    counts: Vec<[u64; REQUESTS]>,
    /// Finalized periodic counts (the strided prefix sums), per periodic slot.
    periodic_counts: [Vec<i64>; 3],
    /// The run's weekdays (Monday to Friday) in order, and each one's half of the day hash (`rng::day_part`),
    /// padded by a block: the office-hours days the walk kernel reads.
    weekdays: Vec<u32>,
    weekday_parts: Vec<u64>,
    /// The same for every day (intermittent days).
    all_days: Vec<u32>,
    all_parts: Vec<u64>,
    /// The office-hours kernel this processor runs.
    isa: Isa,
    /// Whether runs of tasks of days are queued (`ThreadLedger::runs`): every one-off cell's index fits
    /// below [`TAKEN_BACK`].
    queue_runs: bool,
}

/// The position of the first weekday at or after `day` in the list of all weekdays from day 0 (a Monday).
fn weekday_index(day: u32) -> usize {
    (day / 7) as usize * 5 + (day % 7).min(5) as usize
}

impl LoadBook {
    /// A ledger for a run of `horizon` seconds in buckets of `bucket` seconds, where policy polls tick every
    /// `policy_poll` and steady check-ins every `mdm_sync` (both multiples of `bucket`).
    pub fn new(horizon: Time, bucket: Time, policy_poll: Time, mdm_sync: Time) -> Self {
        let buckets = horizon.div_ceil(bucket) as usize;
        let poll = StridedLayout::new((policy_poll / bucket) as usize, buckets);
        // Through the last day a window can start on, then a block of padding.
        let mut all_days: Vec<u32> = (0..=horizon / DAY).collect();
        let mut weekdays: Vec<u32> = all_days.iter().copied().filter(|d| d % 7 < 5).collect();
        all_days.resize(all_days.len() + BLOCK, 0);
        weekdays.resize(weekdays.len() + BLOCK, 0);
        let layout = [
            poll,
            poll,
            StridedLayout::new((mdm_sync / bucket) as usize, buckets),
        ];
        let periods = [policy_poll, policy_poll, mdm_sync];
        // The walk's own fields (key, biases, column) are filled in per walk (`kernel_run`).
        let kernels = std::array::from_fn(|slot| {
            let (period, per_tick) = (periods[slot], layout[slot].per_tick);
            DAY.is_multiple_of(period).then(|| Kernel {
                key: 0,
                start_bias: 0,
                end_bias: 0,
                period_magic: period_magic(period),
                column: 0,
                per_tick: per_tick as u32,
                cells_per_day: ((DAY / period) as usize * per_tick) as u32,
                buckets_per_day: DAY / bucket,
                bucket_magic: bucket_magic(bucket),
                bucket_round: bucket - 1,
            })
        });
        LoadBook {
            bucket: Divisor::new(bucket),
            horizon,
            buckets,
            layout,
            kernels,
            period: periods.map(Divisor::new),
            counts: Vec::with_capacity(buckets),
            periodic_counts: [Vec::new(), Vec::new(), Vec::new()],
            weekday_parts: weekdays.iter().map(|&d| day_part(d)).collect(),
            weekdays,
            all_parts: all_days.iter().map(|&d| day_part(d)).collect(),
            all_days,
            isa: Isa::detect(),
            queue_runs: buckets * Request::ALL.len() < TAKEN_BACK as usize,
        }
    }

    /// Bucket length in seconds.
    pub fn bucket(&self) -> Time {
        self.bucket.get()
    }

    /// Number of buckets in the run.
    pub fn buckets(&self) -> usize {
        self.buckets
    }

    /// Empty counters for one thread (see [`ThreadLedger`]).
    pub fn thread_ledger(&self) -> ThreadLedger {
        ThreadLedger {
            pending: Vec::with_capacity(PENDING),
            runs: Vec::with_capacity(RUNS),
            sign: 1,
            one_off: vec![0; self.buckets * Request::ALL.len()],
            strided: self.layout.map(|l| vec![0; l.len()]),
            buckets: self.buckets,
            cells: Box::default(),
            kept: Box::new([0; BLOCK]),
            cmg_online: vec![0; self.buckets + 1],
            clients: [0; 2],
            content_seconds: 0,
        }
    }

    /// One request of type `r` at `t` (ignored past the horizon).
    pub fn count(&self, ledger: &mut ThreadLedger, r: Request, t: Time) {
        if t < self.horizon {
            let sign = ledger.sign;
            *ledger.cell(self.bucket.div(t) as usize, r) += sign;
        }
    }

    /// Every tick in `[lo, hi)` of the ticks `phase + k·period` of strided array `slot` (whose period they
    /// have), as one strided pair: tick k lands in bucket `base + k·stride`, `base = phase / bucket`.
    #[inline]
    fn ticks_between(
        &self,
        ledger: &mut ThreadLedger,
        slot: usize,
        phase: Time,
        lo: Time,
        hi: Time,
    ) {
        let hi = hi.min(self.horizon);
        if hi <= lo || hi <= phase {
            return;
        }
        let period = &self.period[slot];
        let first_k = period.div_ceil(lo.saturating_sub(phase));
        let last_k = period.div(hi - 1 - phase);
        if first_k > last_k {
            return;
        }
        let layout = &self.layout[slot];
        let base = self.bucket.div(phase) as usize;
        let sign = ledger.sign;
        let strided = &mut ledger.strided[slot];
        strided[layout.cell(base, first_k as usize)] += sign;
        // Past the last bucket the cell is never read: no need to write it.
        strided[layout.cell(base, last_k as usize + 1)] -= sign;
    }

    /// Every run of a periodic task from `from` to the horizon on a device with windows `online`: the ticks
    /// inside online windows, and one catch-up request when the device returns after missing a tick (the
    /// rule of `model::schedule::next_run`).
    ///
    /// Counted a batch at a time: the walk is queued in the thread's ledger and counted with the others when
    /// the queue is full or the chunk's task ends ([`LoadBook::flush`]) — always before the epoch's buckets
    /// are read. A walk's counter updates are spread over the whole run; made one walk at a time between
    /// device events, they evicted the engine's own state from the caches and slowed its event handling by
    /// more than they cost themselves (bench-1m, one thread: the step's samples 5,696 without load, 7,384 with,
    /// 5,990 with the walks' updates left out).
    pub fn periodic(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        online: &Online,
        ticks: &Periodic,
        from: Time,
    ) {
        ledger.pending.push(Pending {
            request: r,
            online: *online,
            ticks: *ticks,
            from,
            sign: ledger.sign,
        });
        if ledger.pending.len() >= PENDING {
            self.flush(ledger);
        }
    }

    /// Counts the walks queued by [`LoadBook::periodic`] in this thread's ledger. Every task that steps or
    /// generates a chunk ends with it.
    pub fn flush(&self, ledger: &mut ThreadLedger) {
        let mut pending = std::mem::take(&mut ledger.pending);
        let sign = ledger.sign;
        for p in &pending {
            ledger.sign = p.sign;
            let slot = match p.request {
                Request::MpPolicyPoll => Some(Presence::ManagementPoint),
                Request::CmgPolicyPoll => Some(Presence::Cmg),
                _ => None,
            };
            let connected = slot == Some(Presence::Cmg);
            let seen = self.walk(ledger, p.request, &p.online, &p.ticks, p.from, connected);
            // A client is counted once, by the walk that starts it; a taken-back walk leaves it counted.
            if let Some(slot) = slot
                && seen
                && p.sign > 0
            {
                ledger.clients[slot as usize] += 1;
            }
        }
        ledger.sign = sign;
        pending.clear();
        ledger.pending = pending;
        Self::add_runs(ledger);
    }

    /// Adds the queued runs of tasks of days (see `ThreadLedger::runs`) to their cells.
    fn add_runs(ledger: &mut ThreadLedger) {
        let one_off = &mut ledger.one_off;
        for &run in &ledger.runs {
            let sign = if run & TAKEN_BACK == 0 { 1 } else { -1 };
            one_off[(run & !TAKEN_BACK) as usize] += sign;
        }
        ledger.runs.clear();
    }

    /// [`LoadBook::count`], queued (see `ThreadLedger::runs`).
    #[inline]
    fn count_run(&self, ledger: &mut ThreadLedger, r: Request, t: Time) {
        if !self.queue_runs {
            self.count(ledger, r, t);
        } else if t < self.horizon {
            let cell = r.index() * self.buckets + self.bucket.div(t) as usize;
            let taken_back = if ledger.sign < 0 { TAKEN_BACK } else { 0 };
            ledger.runs.push(cell as u32 | taken_back);
        }
    }

    /// Takes back the runs from `from` on of a walk counted by [`LoadBook::periodic`] with the same
    /// request type, windows and ticks: the device stopped running the task (a wiped device's ConfigMgr
    /// client). The runs a walk counts from any time on are the ones it counts past that time when started
    /// earlier — whether a device runs the task at a moment depends on its windows and ticks, never on when
    /// counting began (`model::schedule::next_run`) — so what is left are exactly the runs before `from`.
    pub fn cancel_periodic(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        online: &Online,
        ticks: &Periodic,
        from: Time,
    ) {
        self.taken_back(ledger, |book, ledger| {
            book.periodic(ledger, r, online, ticks, from)
        });
    }

    /// [`LoadBook::cancel_periodic`] for the check-ins counted by [`LoadBook::mdm_checkins`] with the same
    /// schedule: the device left Intune (retired or wiped).
    pub fn cancel_checkins(
        &self,
        ledger: &mut ThreadLedger,
        online: &Online,
        schedule: &MdmSchedule<'_>,
        from: Time,
    ) {
        self.taken_back(ledger, |book, ledger| {
            book.mdm_checkins(ledger, online, schedule, from)
        });
    }

    /// Runs `count` with every request it counts taken back instead.
    fn taken_back(&self, ledger: &mut ThreadLedger, count: impl FnOnce(&Self, &mut ThreadLedger)) {
        let sign = std::mem::replace(&mut ledger.sign, -1);
        count(self, ledger);
        ledger.sign = sign;
    }

    /// A CMG client's online window `[a, e)` (`a` at or after the walk's start) as a connection held open: +1
    /// at the first bucket whose start instant `b·bucket` is in it, −1 at the first after it — the CMG's
    /// concurrent connected clients (docs/model.md §4). Every walk of a CMG client's policy polls adds the
    /// windows it visits, so a taken-back walk removes its connections from its start on.
    #[inline]
    fn connected(&self, ledger: &mut ThreadLedger, a: Time, e: Time) {
        let lo = self.bucket.div_ceil(a) as usize;
        let hi = self.bucket.div_ceil(e.min(self.horizon)) as usize;
        if lo < hi {
            let sign = ledger.sign;
            ledger.cmg_online[lo] += sign;
            ledger.cmg_online[hi] -= sign;
        }
    }

    /// The CMG's concurrent connected clients at each bucket's start, over all threads' ledgers (call once
    /// every walk is counted).
    pub fn cmg_online(&self, ledgers: &[&ThreadLedger]) -> Vec<u64> {
        let mut running = 0i64;
        (0..self.buckets)
            .map(|b| {
                running += ledgers
                    .iter()
                    .map(|l| i64::from(l.cmg_online[b]))
                    .sum::<i64>();
                u64::try_from(running).unwrap_or(0)
            })
            .collect()
    }

    /// ConfigMgr clients seen online, per [`Presence`] slot, over all threads' ledgers.
    pub fn clients(&self, ledgers: &[&ThreadLedger]) -> [u64; 2] {
        let mut sum = [0; 2];
        for l in ledgers {
            sum[0] += l.clients[0];
            sum[1] += l.clients[1];
        }
        sum
    }

    /// [`LoadBook::periodic`], counted now — and, when `connected` (a CMG client's policy polls), every
    /// window it visits as a connection held open ([`LoadBook::connected`]): the walk visits exactly the
    /// device's windows from `from` to the horizon, so they cost no window search of their own. Returns
    /// whether the device is online at some moment from `from` to the horizon (a device never seen online is
    /// not an active client).
    fn walk(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        online: &Online,
        ticks: &Periodic,
        from: Time,
        connected: bool,
    ) -> bool {
        let slot = periodic_slot(r);
        debug_assert_eq!(ticks.period, self.period[slot].get());
        // The day-indexed fast path needs t = 0 on a Monday 00:00 (`Online::shift`).
        let every_gap_misses = online.shift() == 0
            && online
                .profile()
                .min_offline_gap()
                .is_some_and(|gap| ticks.period <= gap);
        if every_gap_misses {
            // Every window that starts after `from` is whole (the gap before it held a tick); the one `from`
            // falls in, if any, runs its ticks from `from` on.
            let Some((a, e)) = online.window_from(from).filter(|w| w.0 < self.horizon) else {
                return false;
            };
            let first_day = if a > from {
                a / DAY
            } else {
                self.ticks_between(ledger, slot, ticks.phase, from, e);
                if connected {
                    self.connected(ledger, from, e);
                }
                e / DAY + 1
            };
            self.windows_after(ledger, r, slot, online, ticks, first_day, connected);
            return true;
        }
        let lookback = ticks.max_gap().saturating_add(DAY);
        let mut previous_end: Option<Time> = None;
        for (a, e) in online.windows_from(from) {
            if a >= self.horizon {
                return previous_end.is_some();
            }
            if connected {
                self.connected(ledger, from.max(a), e);
            }
            let mut lo = from.max(a);
            if a > from {
                let gap_start = previous_end.or_else(|| online.prev_end(a, lookback));
                // A gap at least one period long always holds a tick (no division needed).
                let missed =
                    gap_start.is_none_or(|g| a - g >= ticks.period || ticks.next_tick(g) < a);
                if missed {
                    self.count(ledger, r, a);
                    lo = a + 1;
                }
            }
            self.ticks_between(ledger, slot, ticks.phase, lo, e);
            if e >= self.horizon {
                return true;
            }
            previous_end = Some(e);
        }
        previous_end.is_some()
    }

    /// Every run of a client task of days (hardware inventory, heartbeat discovery, software update scan) from
    /// `from` to the horizon, as request `r` — and as `also` too when given (an internet client's scan, which the
    /// CMG relays to the software update point). Counted now, run by run: a tick while online is a run; a tick
    /// while offline is missed and runs when the device comes back — both are the first online moment at or
    /// after the tick, and ticks missed in one gap are one run. These are the runs of
    /// `model::schedule::next_run`, one `online_from` per tick (a handful per device-month) instead of a walk
    /// over every window. The one exception is the first run, where the device may have missed a tick in the
    /// gap `from` falls in: `next_run`'s rule, checked once — except that the task has not ticked before `from`
    /// (the run's start, an OS deployment's client install): a device not seen online since has missed only
    /// the ticks from `from` on, not every tick — a weekly task has not necessarily fallen due over a weekend,
    /// as an hourly one has.
    pub fn weekly(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    ) {
        if let Some(start) = self.weekly_start(online, ticks, from) {
            self.weekly_runs(ledger, r, also, online, ticks, start, u32::MAX);
        }
    }

    /// Where [`LoadBook::weekly`] from `from` starts: its catch-up run, if the device missed a tick in the gap
    /// `from` falls in (the one exception to "a run is the first online moment at or after a tick", checked
    /// once), and its first cycle at or after that. `None`: it counts nothing.
    fn weekly_start(&self, online: &Online, ticks: &Jittered, from: Time) -> Option<WeeklyStart> {
        if online.profile() == Profile::AlwaysOn {
            // Online throughout: every tick from `from` on runs on time, none is missed, and the ticks are
            // in order (a cycle's delay is under the period), so no two are one run.
            return Some(WeeklyStart {
                catch_up: None,
                cycle: ticks.first_at_or_after(from),
            });
        }
        let (a, _) = online.window_from(from)?;
        if a > from {
            let lookback = ticks.max_gap().saturating_add(DAY);
            // A task counted from `from` has not ticked before it (the run's start, an OS deployment's
            // client install): the gap holds its ticks from `from` on at most.
            let gap_start = online.prev_end(a, lookback).map_or(from, |g| g.max(from));
            if ticks.next_tick(gap_start) < a {
                if a >= self.horizon {
                    return None;
                }
                return Some(WeeklyStart {
                    catch_up: Some(a),
                    cycle: ticks.first_at_or_after(a + 1),
                });
            }
        }
        Some(WeeklyStart {
            catch_up: None,
            cycle: ticks.first_at_or_after(from),
        })
    }

    /// The runs of a walk that starts at `start`, through cycle `through` (`u32::MAX`: to the horizon). A
    /// tick while online is a run; ticks missed in one gap are one run, at the first online moment after it.
    #[allow(clippy::too_many_arguments)]
    fn weekly_runs(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        start: WeeklyStart,
        through: u32,
    ) {
        if ledger.runs.len() >= RUNS - 64 {
            Self::add_runs(ledger);
        }
        let count = |ledger: &mut ThreadLedger, at: Time| {
            self.count_run(ledger, r, at);
            if let Some(also) = also {
                self.count_run(ledger, also, at);
            }
        };
        let (mut k, mut tick) = start.cycle;
        if online.profile() == Profile::AlwaysOn {
            while tick < self.horizon && k <= through {
                count(ledger, tick);
                k += 1;
                tick = ticks.tick(k);
            }
            return;
        }
        let mut last = NEVER;
        if let Some(a) = start.catch_up {
            count(ledger, a);
            last = a;
        }
        while tick < self.horizon && k <= through {
            let run = online.online_from(tick);
            if run >= self.horizon {
                return;
            }
            if run != last {
                count(ledger, run);
                last = run;
            }
            k += 1;
            tick = ticks.tick(k);
        }
    }

    /// What [`LoadBook::weekly`] from `from` counts less what it counts from `until` (a later moment, when
    /// the device stopped the task), without walking either to the horizon: two walks, once both have run
    /// the same cycle, run the same ticks from the same last run, so they count the same from there on and
    /// only the cycles up to that one differ. Equal, bucket by bucket, to `weekly` from `from` and
    /// [`LoadBook::cancel_weekly`] from `until` (a test holds them equal).
    #[allow(clippy::too_many_arguments)]
    pub fn weekly_between(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
        until: Time,
    ) {
        let counted = self.weekly_start(online, ticks, from);
        let taken_back = self.weekly_start(online, ticks, until);
        // The cycle both walks run: past it they agree. A walk that counts nothing has no such cycle; the
        // other then counts what it counts in full (the device has no online moment from the later start on
        // before the horizon, so that walk is short).
        let through = match (&counted, &taken_back) {
            (Some(c), Some(t)) => c.cycle.0.max(t.cycle.0),
            _ => u32::MAX,
        };
        if let Some(start) = counted {
            self.weekly_runs(ledger, r, also, online, ticks, start, through);
        }
        if let Some(start) = taken_back {
            self.taken_back(ledger, |book, ledger| {
                book.weekly_runs(ledger, r, also, online, ticks, start, through)
            });
        }
    }

    /// Takes back the runs from `from` on of what [`LoadBook::weekly`] counted with the same arguments: the
    /// device stopped the task (its ConfigMgr client was wiped, or its scans moved to Windows Update for
    /// Business). As with [`LoadBook::cancel_periodic`], what is left are exactly the runs before `from`.
    #[allow(clippy::too_many_arguments)]
    pub fn cancel_weekly(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        also: Option<Request>,
        online: &Online,
        ticks: &Jittered,
        from: Time,
    ) {
        self.taken_back(ledger, |book, ledger| {
            book.weekly(ledger, r, also, online, ticks, from)
        });
    }

    /// An internet ConfigMgr client's content-bearing workloads still on ConfigMgr changed by `delta` at `t`:
    /// the ledger adds `delta` times the rest of the run, in seconds (their sum over devices, times the
    /// monthly content per workload, is the CMG's content egress).
    pub fn content(&self, ledger: &mut ThreadLedger, t: Time, delta: i32) {
        if t < self.horizon {
            ledger.content_seconds += i64::from(delta) * i64::from(self.horizon - t);
        }
    }

    /// The sum of [`LoadBook::content`] over every thread's ledger: workload-seconds on ConfigMgr of internet
    /// clients, to the horizon.
    pub fn content_seconds(&self, ledgers: &[&ThreadLedger]) -> i64 {
        ledgers.iter().map(|l| l.content_seconds).sum()
    }

    /// [`LoadBook::periodic`] for the windows from day `first_day` on, when every offline gap of the device
    /// holds a tick (its profile is never away for less than the period): each window is a catch-up request
    /// at its start and the ticks inside it. Most devices' walks are this: tens of millions
    /// of device-days in a million-device month. When the period divides a day, the days whose windows end
    /// before the horizon go through the walk kernel (`load::kernel`) a block at a time; the rest (a period
    /// that does not divide a day, the last day or so) take the general loop.
    #[allow(clippy::too_many_arguments)]
    fn windows_after(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        slot: usize,
        online: &Online,
        ticks: &Periodic,
        first_day: u32,
        connected: bool,
    ) {
        let Some(latest_end) = online.profile().latest_end() else {
            return;
        };
        // Days whose every window ends before the horizon.
        let whole_days = if self.horizon > latest_end {
            (self.horizon - latest_end - 1) / DAY + 1
        } else {
            0
        };
        let kernel_end = if self.kernels[slot].is_some() {
            whole_days.max(first_day)
        } else {
            first_day
        };
        if let Some(days) = online.office_days_from(first_day) {
            let (kernel_days, rest) = days.split_at(kernel_end);
            let (from, to) = kernel_days.span();
            let run = weekday_index(from)..weekday_index(to);
            match connected {
                true => {
                    self.kernel_run::<true>(ledger, r, slot, ticks, online.key(), Days::Office, run)
                }
                false => self.kernel_run::<false>(
                    ledger,
                    r,
                    slot,
                    ticks,
                    online.key(),
                    Days::Office,
                    run,
                ),
            }
            let windows = rest.map(|(d, a, e)| (d * DAY + a, d * DAY + e));
            return self.count_windows(ledger, r, slot, ticks, windows, connected);
        }
        if let Some(windows) = online.intermittent_windows_from(kernel_end) {
            let run = first_day as usize..kernel_end as usize;
            let (key, which) = (online.key(), Days::Intermittent);
            match connected {
                true => self.kernel_run::<true>(ledger, r, slot, ticks, key, which, run),
                false => self.kernel_run::<false>(ledger, r, slot, ticks, key, which, run),
            }
            self.count_windows(ledger, r, slot, ticks, windows, connected);
        }
    }

    /// The whole windows of the days at positions `run` of `which` profile's day table, for a task whose
    /// period divides a day, every window ending before the horizon: cells a block at a time from the kernel,
    /// then the counter updates, skipping days without a window — and, when `CONNECTED`, each window as a
    /// CMG connection ([`LoadBook::connected`]).
    #[allow(clippy::too_many_arguments)]
    fn kernel_run<const CONNECTED: bool>(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        slot: usize,
        ticks: &Periodic,
        key: u64,
        which: Days,
        run: std::ops::Range<usize>,
    ) {
        let Some(shared) = self.kernels[slot] else {
            return;
        };
        let (period, phase) = (ticks.period, ticks.phase);
        debug_assert_eq!(period, self.period[slot].get());
        let kernel = Kernel {
            key,
            start_bias: period - phase,
            end_bias: period - 1 - phase,
            column: self.layout[slot].cell(self.bucket.div(phase) as usize, 0) as u32,
            ..shared
        };
        let (days, parts) = match which {
            Days::Office => (&self.weekdays, &self.weekday_parts),
            Days::Intermittent => (&self.all_days, &self.all_parts),
        };
        let sign = ledger.sign;
        let (catch_up, strided, online, cells, kept) = ledger.lanes(r, slot);
        let mut i = run.start;
        while i < run.end {
            let n = (run.end - i).min(BLOCK);
            // The tables are padded by a block.
            let (Some(Ok(block_days)), Some(Ok(block_parts))) = (
                days.get(i..i + BLOCK).map(<&[u32; BLOCK]>::try_from),
                parts.get(i..i + BLOCK).map(<&[u64; BLOCK]>::try_from),
            ) else {
                break;
            };
            self.isa
                .fill::<CONNECTED>(which, &kernel, block_days, block_parts, cells);
            let mut count = |j: usize| {
                catch_up[cells.catch_up[j] as usize] += sign;
                strided[cells.first[j] as usize] += sign;
                strided[cells.after_last[j] as usize] -= sign;
                if CONNECTED {
                    // (An empty connection, within one bucket, adds and takes back the same cell.)
                    online[cells.opens[j] as usize] += sign;
                    online[cells.closes[j] as usize] -= sign;
                }
            };
            if which == Days::Office {
                (0..n).for_each(&mut count);
            } else {
                // The days with a window, without a branch per day (an intermittent day has one three times in
                // seven).
                let mut m = 0;
                for (j, &present) in cells.present[..n].iter().enumerate() {
                    kept[m] = j;
                    m += present as usize;
                }
                kept[..m].iter().for_each(|&j| count(j));
            }
            i += n;
        }
    }

    #[inline]
    fn count_windows(
        &self,
        ledger: &mut ThreadLedger,
        r: Request,
        slot: usize,
        ticks: &Periodic,
        windows: impl Iterator<Item = (Time, Time)>,
        connected: bool,
    ) {
        let period = &self.period[slot];
        let layout = self.layout[slot];
        let phase = ticks.phase;
        let base = self.bucket.div(phase) as usize;
        for (a, e) in windows {
            if a >= self.horizon {
                return;
            }
            let sign = ledger.sign;
            *ledger.cell(self.bucket.div(a) as usize, r) += sign;
            if connected {
                self.connected(ledger, a, e);
            }
            // From day 1 on, `a` is past the phase (which is under the period, itself under a day).
            let first_k = period.div_ceil(a + 1 - phase);
            let last_k = period.div(e.min(self.horizon) - 1 - phase);
            if first_k <= last_k {
                let strided = &mut ledger.strided[slot];
                strided[layout.cell(base, first_k as usize)] += sign;
                strided[layout.cell(base, last_k as usize + 1)] -= sign;
            }
            if e >= self.horizon {
                return;
            }
        }
    }

    /// Every Intune check-in of a device enrolled per `schedule`, from `from` on: the post-enrollment bursts
    /// run by run, then the steady interval in aggregate.
    pub fn mdm_checkins(
        &self,
        ledger: &mut ThreadLedger,
        online: &Online,
        schedule: &MdmSchedule<'_>,
        from: Time,
    ) {
        if schedule.enrolled_at == NEVER {
            return self.periodic(ledger, Request::MdmCheckin, online, &schedule.steady, from);
        }
        let burst_end = schedule.burst_end();
        if let Some((a, e)) = online.window_from(from)
            && a <= from
        {
            // Most enrollments: the device stays online through the bursts and up to the first run after
            // them, so its runs are every tick from `from` on — the bursts', and the steady ones in between —
            // then the first steady tick after the bursts, where the steady schedule takes over.
            let after = self.next_tick(2, &schedule.steady, burst_end.saturating_add(1));
            // (Counting from past the bursts — a walk taken back — is the general loop's: a gap before
            // `from` may hold only burst ticks.)
            if from <= after && after < e {
                return self.bursts_online(ledger, online, schedule, from, burst_end, after);
            }
        }
        // Walk the windows once, run by run, until the first run after the bursts; the rest is the steady
        // schedule in aggregate. (The same runs as `next_run`, without searching the windows again per run.)
        let lookback = schedule.max_gap().saturating_add(DAY);
        // One run at `at`, counted; true once past the bursts, when the rest (the steady schedule) has been
        // counted in aggregate.
        let run = |ledger: &mut ThreadLedger, at: Time| {
            self.count(ledger, Request::MdmCheckin, at);
            let done = at > burst_end;
            if done {
                self.periodic(
                    ledger,
                    Request::MdmCheckin,
                    online,
                    &schedule.steady,
                    at + 1,
                );
            }
            done
        };
        let mut previous_end: Option<Time> = None;
        let mut t = from;
        for (a, e) in online.windows_from(from) {
            if a >= self.horizon {
                return;
            }
            if a > t {
                let gap_start = previous_end.or_else(|| online.prev_end(a, lookback));
                let missed = gap_start.is_none_or(|g| schedule.next_tick(g) < a);
                t = a;
                if missed {
                    if run(ledger, a) {
                        return;
                    }
                    t = a + 1;
                }
            }
            for tick in schedule.ticks_from(t) {
                if tick >= e || tick >= self.horizon {
                    break;
                }
                if run(ledger, tick) {
                    return;
                }
            }
            if e >= self.horizon {
                return;
            }
            previous_end = Some(e);
            t = e;
        }
    }

    /// [`LoadBook::mdm_checkins`] for a device online from `from` to past `after`, the first steady tick
    /// after the bursts: the same runs as the ticks of `schedule` one by one (a steady tick that is also a
    /// burst tick is one run), counted without merging the two schedules.
    fn bursts_online(
        &self,
        ledger: &mut ThreadLedger,
        online: &Online,
        schedule: &MdmSchedule<'_>,
        from: Time,
        burst_end: Time,
        after: Time,
    ) {
        let r = Request::MdmCheckin;
        for b in schedule.bursts() {
            let mut tick = b.first_at_or_after(from);
            while tick <= b.last {
                self.count(ledger, r, tick);
                tick = tick.saturating_add(b.interval);
            }
        }
        let steady = &schedule.steady;
        let mut tick = self.next_tick(2, steady, from);
        while tick <= burst_end {
            if !schedule.is_burst_tick(tick) {
                self.count(ledger, r, tick);
            }
            tick = tick.saturating_add(steady.period);
        }
        self.count(ledger, r, after);
        self.periodic(ledger, r, online, steady, after + 1);
    }

    /// `ticks.next_tick(t)` for the ticks of strided array `slot` (whose period they have), dividing by
    /// multiplication.
    fn next_tick(&self, slot: usize, ticks: &Periodic, t: Time) -> Time {
        debug_assert_eq!(ticks.period, self.period[slot].get());
        if t <= ticks.phase {
            return ticks.phase;
        }
        let k = self.period[slot].div_ceil(t - ticks.phase);
        ticks.phase.saturating_add(k.saturating_mul(ticks.period))
    }

    /// Makes buckets `[finalized, up_to)` readable, from every thread's counters: every chunk has finished
    /// the epoch containing them.
    pub fn finalize(&mut self, up_to: usize, ledgers: &[&ThreadLedger]) {
        debug_assert!(
            ledgers
                .iter()
                .all(|s| s.pending.is_empty() && s.runs.is_empty()),
            "walks or runs left uncounted"
        );
        let up_to = up_to.min(self.buckets);
        for b in self.counts.len()..up_to {
            // A request type's count is its one-off lane plus, for a periodic type, the running sum of its
            // strided array. Either part can be negative — a thread's cells when a device's runs were counted
            // on one thread and taken back on another, and a lane when a run counted in one was taken back
            // in the other (a walk's first run after its bursts is a one-off, the same tick taken back from a
            // later moment a strided one) — but their sum over all threads is a count.
            let mut row = [0i64; REQUESTS];
            for r in Request::ALL {
                if r != DEFERRED {
                    row[r.index()] = ledgers.iter().map(|s| i64::from(s.get(b, r))).sum();
                }
            }
            for (slot, r) in PERIODIC.iter().enumerate() {
                let layout = &self.layout[slot];
                let previous = if b >= layout.stride {
                    self.periodic_counts[slot][b - layout.stride]
                } else {
                    0
                };
                let cell = layout.cell_of_bucket(b);
                let added: i64 = ledgers
                    .iter()
                    .map(|s| i64::from(s.strided[slot][cell]))
                    .sum();
                let running = previous + added;
                self.periodic_counts[slot].push(running);
                row[r.index()] += running;
            }
            debug_assert!(row.iter().all(|&n| n >= 0), "a negative count: {row:?}");
            self.counts.push(row.map(|n| u64::try_from(n).unwrap_or(0)));
        }
    }

    /// The count of [`DEFERRED`] in every bucket, from every thread's counters: once every device's runs
    /// are counted, at the end of the run ([`LoadBook::finalize`] leaves it at 0 until then). Sum it over
    /// the processes of a multi-process run, then give it to [`LoadBook::set_deferred`].
    pub fn deferred(&self, ledgers: &[&ThreadLedger]) -> Vec<u64> {
        debug_assert!(
            ledgers
                .iter()
                .all(|s| s.pending.is_empty() && s.runs.is_empty()),
            "walks or runs left uncounted"
        );
        (0..self.counts.len())
            .map(|b| {
                let n: i64 = ledgers.iter().map(|s| i64::from(s.get(b, DEFERRED))).sum();
                debug_assert!(
                    n >= 0,
                    "a negative count of {DEFERRED:?} in bucket {b}: {n}"
                );
                u64::try_from(n).unwrap_or(0)
            })
            .collect()
    }

    /// Writes the counts of [`DEFERRED`] (see [`LoadBook::deferred`]) into the finalized buckets.
    pub fn set_deferred(&mut self, counts: &[u64]) {
        for (row, &n) in self.counts.iter_mut().zip(counts) {
            row[DEFERRED.index()] = n;
        }
    }

    /// Finalized per-bucket counts (index = bucket, then `Request::index`).
    pub fn counts(&self) -> &[[u64; REQUESTS]] {
        &self.counts
    }

    /// The finalized counts from bucket `first` on, to replace with their sums over all processes of a
    /// multi-process run (`engine::reduce`): each process's counts are sums over its own devices, and nothing
    /// is derived from them later except by summing, so the totals are what one process would have counted.
    pub fn counts_from_mut(&mut self, first: usize) -> &mut [[u64; REQUESTS]] {
        &mut self.counts[first..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scenario::{Burst, DEFAULT_BURSTS};
    use crate::model::schedule::next_run;
    use crate::model::time::{HOUR, MINUTE};

    /// The aggregate count equals the runs `next_run` produces one by one.
    fn runs_one_by_one(
        online: &Online,
        ticks: &impl Ticks,
        from: Time,
        horizon: Time,
        bucket: Time,
    ) -> Vec<u64> {
        let mut counts = vec![0u64; horizon.div_ceil(bucket) as usize];
        let mut t = from;
        loop {
            let run = next_run(online, ticks, t);
            if run >= horizon {
                return counts;
            }
            counts[(run / bucket) as usize] += 1;
            t = run + 1;
        }
    }

    /// [`runs_one_by_one`] for the runs before `stop` only.
    fn runs_before(
        online: &Online,
        ticks: &impl Ticks,
        from: Time,
        stop: Time,
        horizon: Time,
        bucket: Time,
    ) -> Vec<u64> {
        runs_one_by_one(online, ticks, from, stop.min(horizon), bucket)
            .into_iter()
            .chain(std::iter::repeat(0))
            .take(horizon.div_ceil(bucket) as usize)
            .collect()
    }

    /// What `walk` counts of request type `r` on a fresh ledger (`LoadBook::new(horizon, bucket, poll,
    /// sync)`), per bucket, once flushed and finalized.
    fn counted(
        (horizon, bucket, poll, sync): (Time, Time, Time, Time),
        r: Request,
        walk: impl FnOnce(&LoadBook, &mut ThreadLedger),
    ) -> Vec<u64> {
        let mut book = LoadBook::new(horizon, bucket, poll, sync);
        let mut ledger = book.thread_ledger();
        walk(&book, &mut ledger);
        book.flush(&mut ledger);
        book.finalize(usize::MAX, &[&ledger]);
        book.counts().iter().map(|row| row[r.index()]).collect()
    }

    #[test]
    fn aggregate_periodic_counts_equal_the_runs() {
        let horizon = 21 * DAY;
        for profile in Profile::ALL {
            for (key, phase, from) in [
                (1u64, 0, 0),
                (77, 1_234, 5 * HOUR + 7),
                (9_001, 3_599, 3 * DAY),
            ] {
                let online = Online::new(profile, key, horizon);
                let ticks = Periodic {
                    phase,
                    period: HOUR,
                };
                let r = Request::MpPolicyPoll;
                let got = counted((horizon, MINUTE, HOUR, 8 * HOUR), r, |book, ledger| {
                    book.periodic(ledger, r, &online, &ticks, from)
                });
                let want = runs_one_by_one(&online, &ticks, from, horizon, MINUTE);
                assert_eq!(got, want, "{profile:?} key {key} phase {phase} from {from}");
            }
        }
    }

    /// The office-hours fast path (period dividing a day, at least the jitter), its fallbacks (shorter periods,
    /// periods that do not divide a day) and both cell layouts, against the runs one by one — with horizons
    /// that end mid-day (the last days' cells lie past it) and phases at both ends of the period.
    #[test]
    fn aggregate_counts_equal_the_runs_for_every_period_and_layout() {
        for (period, bucket) in [
            (15 * MINUTE, MINUTE),
            (HOUR, MINUTE),
            (HOUR, 5 * MINUTE),
            (2 * HOUR, 2 * MINUTE),
            (7 * HOUR, MINUTE),
            (8 * HOUR, MINUTE),
            (12 * HOUR, HOUR),
            (DAY, MINUTE),
        ] {
            for horizon in [
                17 * DAY,
                17 * DAY + 18 * HOUR + 7 * MINUTE,
                4 * DAY + 9 * HOUR,
            ] {
                let horizon = horizon - horizon % bucket;
                // Ticks exactly at a window's start and at its end (key 11's Wednesday): the boundaries of
                // "the tick after the start" and "the tick at or after the end".
                let (a, e) = Online::new(Profile::OfficeHours, 11, horizon)
                    .window_on(2)
                    .unwrap();
                for (key, phase, from) in [
                    (11u64, 0, 0),
                    (12, period - bucket, 9 * HOUR),
                    (13, period / 3, 3 * DAY + 17 * HOUR),
                    (11, a % period, 0),
                    (11, e % period, 0),
                ] {
                    for profile in [Profile::OfficeHours, Profile::Intermittent] {
                        let online = Online::new(profile, key, horizon);
                        let ticks = Periodic { phase, period };
                        let r = Request::MdmCheckin;
                        let got = counted((horizon, bucket, HOUR, period), r, |book, ledger| {
                            book.periodic(ledger, r, &online, &ticks, from)
                        });
                        let want = runs_one_by_one(&online, &ticks, from, horizon, bucket);
                        assert_eq!(
                            got, want,
                            "{profile:?} period {period} bucket {bucket} horizon {horizon} phase {phase}"
                        );
                    }
                }
            }
        }
    }

    /// Test device `device` (hash key `key`) of `profile` with a task of days — a period of a week, a day or
    /// an odd 3 d 5 h, without delay or with up to 2 h or 8 h per cycle — counted from t = 0 or a moment in
    /// its first 20 days.
    fn task_of_days(
        profile: Profile,
        device: u64,
        key: u64,
        horizon: Time,
    ) -> (Online, Jittered, Time) {
        let online = Online::new(profile, key, horizon);
        let period = [7 * DAY, DAY, 3 * DAY + 5 * HOUR][(device % 3) as usize];
        let ticks = Jittered {
            phase: (key >> 13) as Time % period,
            period,
            max_delay: [0, 2 * HOUR, 8 * HOUR][(device % 3) as usize],
            key: key ^ 7,
        };
        let from = [0, (key >> 40) as Time % (20 * DAY)][(device % 2) as usize];
        (online, ticks, from)
    }

    /// Tasks of days (inventory, discovery, update scans), from any moment, on every profile, with and
    /// without per-cycle delays: the runs of `next_run` one by one, counted as both requests when a second is
    /// given; and taken back from a moment, the runs before it.
    #[test]
    fn weekly_counts_equal_the_runs() {
        let horizon = 33 * DAY + 5 * HOUR;
        for profile in Profile::ALL {
            for device in 0..40u64 {
                let key = crate::rng::mix64(device + 1_000);
                let (online, ticks, from) = task_of_days(profile, device, key, horizon);
                let (r, also) = (Request::SupScan, Request::CmgSupScan);
                let mut book = LoadBook::new(horizon, MINUTE, HOUR, 8 * HOUR);
                let mut ledger = book.thread_ledger();
                book.weekly(&mut ledger, r, Some(also), &online, &ticks, from);
                book.flush(&mut ledger);
                book.finalize(usize::MAX, &[&ledger]);
                // The software update point's scans are read at the end of the run.
                let deferred = book.deferred(&[&ledger]);
                book.set_deferred(&deferred);
                let want = day_runs(&online, &ticks, from, horizon, horizon);
                // The first bucket that differs, not two month-long vectors.
                let first_difference = |r: Request, want: &[u64]| {
                    book_counts(&book, r)
                        .iter()
                        .zip(want)
                        .position(|(g, w)| g != w)
                };
                for r in [r, also] {
                    let at = first_difference(r, &want);
                    assert_eq!(at, None, "{profile:?} device {device} from {from}");
                }
                // A device stops a task at a moment it is online (a policy poll, a wipe), from the next second.
                let stop = online.online_from(from + (key >> 20) as Time % (10 * DAY)) + 1;
                let mut book = LoadBook::new(horizon, MINUTE, HOUR, 8 * HOUR);
                let (mut one, mut other) = (book.thread_ledger(), book.thread_ledger());
                let r = Request::MpHeartbeat;
                book.weekly(&mut one, r, None, &online, &ticks, from);
                book.cancel_weekly(&mut other, r, None, &online, &ticks, stop);
                book.flush(&mut one);
                book.flush(&mut other);
                book.finalize(usize::MAX, &[&one, &other]);
                let want = day_runs(&online, &ticks, from, stop.min(horizon), horizon);
                let at = book_counts(&book, r)
                    .iter()
                    .zip(&want)
                    .position(|(g, w)| g != w);
                assert_eq!(at, None, "{profile:?} device {device} taken back at {stop}");
            }
        }
    }

    /// Scans counted late: what `weekly_between` counts for a start and a stop equals, bucket by bucket,
    /// `weekly` from the start with `cancel_weekly` from the stop — on every profile, with and without
    /// per-cycle delays, for stops while online or offline, before or after the start, and past the horizon.
    #[test]
    fn counted_between_equals_counted_then_taken_back() {
        let horizon = 33 * DAY + 5 * HOUR;
        let cells = |book: &LoadBook, ledger: &ThreadLedger, r: Request| -> Vec<i32> {
            (0..book.buckets()).map(|b| ledger.get(b, r)).collect()
        };
        for profile in Profile::ALL {
            for device in 0..60u64 {
                let key = crate::rng::mix64(device + 7_000);
                let (online, ticks, from) = task_of_days(profile, device, key, horizon);
                let until = match device % 4 {
                    // While online, from the next second (a policy poll, a wipe).
                    0 => online.online_from(from + (key >> 20) as Time % (10 * DAY)) + 1,
                    // Any moment, online or not, after the start.
                    1 => from + (key >> 24) as Time % (25 * DAY),
                    // Before the start.
                    2 => from.saturating_sub((key >> 28) as Time % (5 * DAY)),
                    // Past the horizon.
                    _ => horizon + (key >> 30) as Time % DAY,
                };
                let r = Request::SupScan;
                let book = LoadBook::new(horizon, MINUTE, HOUR, 8 * HOUR);
                let mut want = book.thread_ledger();
                book.weekly(&mut want, r, None, &online, &ticks, from);
                book.cancel_weekly(&mut want, r, None, &online, &ticks, until);
                book.flush(&mut want);
                let mut got = book.thread_ledger();
                book.weekly_between(&mut got, r, None, &online, &ticks, from, until);
                book.flush(&mut got);
                let (got, want) = (cells(&book, &got, r), cells(&book, &want, r));
                let at = got.iter().zip(&want).position(|(g, w)| g != w);
                assert_eq!(
                    at, None,
                    "{profile:?} device {device}: from {from} until {until}"
                );
            }
        }
    }

    fn book_counts(book: &LoadBook, r: Request) -> Vec<u64> {
        book.counts().iter().map(|row| row[r.index()]).collect()
    }

    /// The runs of a task of days from `from`, before `stop`, per one-minute bucket of a run of `horizon`,
    /// from the windows themselves: a tick inside a window runs then, a tick in a gap runs when the next window
    /// opens (ticks of one gap are one run); the first window after `from` runs first if a tick fell in the
    /// gap before it (from its start, or from `from` when that is later or no window is known before).
    fn day_runs(
        online: &Online,
        ticks: &Jittered,
        from: Time,
        stop: Time,
        horizon: Time,
    ) -> Vec<u64> {
        let mut counts = vec![0u64; horizon.div_ceil(MINUTE) as usize];
        let windows: Vec<(Time, Time)> = online
            .windows_from(0)
            .take_while(|w| w.0 < horizon)
            .collect();
        let mut runs: Vec<Time> = Vec::new();
        if let Some(&(a, _)) = windows.iter().find(|w| w.1 > from)
            && a > from
        {
            let gap_start = online
                .prev_end(a, ticks.max_gap() + DAY)
                .map_or(from, |g| g.max(from));
            if ticks.next_tick(gap_start) < a {
                runs.push(a);
            }
        }
        let mut k = 0;
        while ticks.tick(k) < horizon {
            let tick = ticks.tick(k);
            k += 1;
            if tick < from {
                continue;
            }
            if let Some(&(a, _)) = windows.iter().find(|w| w.1 > tick) {
                let run = a.max(tick);
                if runs.last() != Some(&run) {
                    runs.push(run);
                }
            }
        }
        for run in runs.into_iter().filter(|&r| r < stop.min(horizon)) {
            counts[(run / MINUTE) as usize] += 1;
        }
        counts
    }

    /// Walks queued past the batch size and flushed: the counts are those of every walk counted on its own.
    #[test]
    fn queued_walks_count_what_each_walk_counts() {
        let horizon = 12 * DAY + 7 * HOUR;
        let r = Request::MpPolicyPoll;
        let walks: Vec<(Online, Periodic, Time)> = (0..(3 * PENDING as u64 + 7))
            .map(|device| {
                let key = crate::rng::mix64(device);
                let profile = Profile::ALL[(key % 3) as usize];
                let ticks = Periodic {
                    phase: (key >> 8) as Time % HOUR,
                    period: HOUR,
                };
                (
                    Online::new(profile, key, horizon),
                    ticks,
                    (key >> 24) as Time % (5 * DAY),
                )
            })
            .collect();
        let got = counted((horizon, MINUTE, HOUR, 8 * HOUR), r, |book, ledger| {
            for (online, ticks, from) in &walks {
                book.periodic(ledger, r, online, ticks, *from);
            }
            assert!(
                !ledger.pending.is_empty(),
                "the last walks wait for the flush"
            );
        });
        let mut want = vec![0u64; horizon.div_ceil(MINUTE) as usize];
        for (online, ticks, from) in &walks {
            let runs = runs_one_by_one(online, ticks, *from, horizon, MINUTE);
            want.iter_mut().zip(runs).for_each(|(w, n)| *w += n);
        }
        assert_eq!(got, want);
    }

    /// A walk taken back from a moment keeps exactly its runs before it — polls and check-ins, the moment
    /// inside or after the bursts — with the walk counted on one thread's ledger and taken back on another's
    /// (whose cells go negative: the ledger sums them before reading a count).
    #[test]
    fn a_walk_taken_back_keeps_its_runs_before_the_moment() {
        let horizon = 10 * DAY + 3 * HOUR;
        let bursts = [Burst {
            interval: 15 * MINUTE,
            span: 2 * HOUR,
        }];
        for profile in Profile::ALL {
            let online = Online::new(profile, crate::rng::mix64(profile as u64 + 40), horizon);
            let enrolled = online.online_from(DAY + 3 * HOUR);
            for stop in [enrolled + 30 * MINUTE, 3 * DAY + 11 * HOUR + 7, 8 * DAY + 1] {
                let mut book = LoadBook::new(horizon, MINUTE, HOUR, 8 * HOUR);
                let (mut one, mut other) = (book.thread_ledger(), book.thread_ledger());
                let ticks = Periodic {
                    phase: 1_111,
                    period: HOUR,
                };
                let schedule = MdmSchedule {
                    enrolled_at: enrolled,
                    bursts: &bursts,
                    steady: Periodic {
                        phase: 7_777,
                        period: 8 * HOUR,
                    },
                };
                let r = Request::MpPolicyPoll;
                book.periodic(&mut one, r, &online, &ticks, 0);
                book.mdm_checkins(&mut one, &online, &schedule, enrolled + 1);
                book.cancel_periodic(&mut other, r, &online, &ticks, stop);
                book.cancel_checkins(&mut other, &online, &schedule, stop);
                book.flush(&mut one);
                book.flush(&mut other);
                book.finalize(usize::MAX, &[&one, &other]);
                let got = |r: Request| -> Vec<u64> {
                    book.counts().iter().map(|row| row[r.index()]).collect()
                };
                // The first bucket that differs, not two month-long vectors.
                let check = |what: &str, got: Vec<u64>, want: Vec<u64>| {
                    let first = got.iter().zip(&want).position(|(g, w)| g != w);
                    assert_eq!(first, None, "{what}, {profile:?}, taken back from {stop}");
                };
                check(
                    "polls",
                    got(r),
                    runs_before(&online, &ticks, 0, stop, horizon, MINUTE),
                );
                let want = runs_before(&online, &schedule, enrolled + 1, stop, horizon, MINUTE);
                check("check-ins", got(Request::MdmCheckin), want);
            }
        }
    }

    /// Enrollments while online (most of them: the post-enrollment fast path) and offline, with steady
    /// ticks that fall on burst ticks, bursts whose span is not a multiple of their interval, and windows that
    /// close during the bursts.
    #[test]
    fn aggregate_checkins_equal_the_runs_for_many_enrollments() {
        let horizon = 9 * DAY + 5 * HOUR;
        let bursts = [
            Burst {
                interval: 3 * MINUTE,
                span: 10 * MINUTE,
            },
            Burst {
                interval: 15 * MINUTE,
                span: 2 * HOUR,
            },
        ];
        for (profile, key) in [
            (Profile::AlwaysOn, 1u64),
            (Profile::OfficeHours, 2),
            (Profile::OfficeHours, 3),
            (Profile::Intermittent, 4),
            (Profile::Intermittent, 5),
        ] {
            let online = Online::new(profile, crate::rng::mix64(key), horizon);
            let mut moments: Vec<Time> = online
                .windows_from(0)
                .take_while(|&(a, _)| a + 2 * HOUR < horizon)
                .take(6)
                .flat_map(|(a, e)| {
                    let e = e.min(horizon);
                    // Enrollments whose burst ticks fall on steady ticks: `m − 2 min` puts the first 3-min
                    // tick on a `60 + k·10 min` tick, `m + 5 min` the 15-min ticks on `k·15 min` ones.
                    let m = (a / (30 * MINUTE) + 1) * 30 * MINUTE;
                    [
                        a,
                        a + 1,
                        a + (e - a) / 2,
                        e.saturating_sub(2 * HOUR),
                        e - 1,
                        m - 2 * MINUTE,
                        m + 5 * MINUTE,
                    ]
                })
                .collect();
            moments.extend([5 * HOUR + 3, 3 * DAY + 23 * HOUR, 8 * DAY + 18 * HOUR]);
            for enrolled in moments {
                for (phase, period) in [(4_321, 8 * HOUR), (0, 15 * MINUTE), (60, 10 * MINUTE)] {
                    let schedule = MdmSchedule {
                        enrolled_at: enrolled,
                        bursts: &bursts,
                        steady: Periodic { phase, period },
                    };
                    let from = enrolled + 1;
                    let got = counted(
                        (horizon, MINUTE, HOUR, period),
                        Request::MdmCheckin,
                        |book, ledger| book.mdm_checkins(ledger, &online, &schedule, from),
                    );
                    let want = runs_one_by_one(&online, &schedule, from, horizon, MINUTE);
                    assert_eq!(
                        got, want,
                        "{profile:?} enrolled {enrolled} steady {phase}+k·{period}"
                    );
                }
            }
        }
    }

    #[test]
    fn aggregate_checkins_equal_the_runs() {
        let horizon = 14 * DAY;
        let bursts = DEFAULT_BURSTS;
        for profile in Profile::ALL {
            for (key, enrolled) in [(3u64, 10 * HOUR + 17), (4, 2 * DAY + 20 * HOUR), (5, NEVER)] {
                let online = Online::new(profile, key, horizon);
                let schedule = MdmSchedule {
                    enrolled_at: enrolled,
                    bursts: &bursts,
                    steady: Periodic {
                        phase: 4_321,
                        period: 8 * HOUR,
                    },
                };
                let from = if enrolled == NEVER { 0 } else { enrolled };
                let got = counted(
                    (horizon, MINUTE, HOUR, 8 * HOUR),
                    Request::MdmCheckin,
                    |book, ledger| book.mdm_checkins(ledger, &online, &schedule, from),
                );
                let want = runs_one_by_one(&online, &schedule, from, horizon, MINUTE);
                assert_eq!(got, want, "{profile:?} enrolled {enrolled}");
            }
        }
    }
}
