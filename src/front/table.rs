//! Who is connected: the global cap, the per-address cap, and which connection gives way when
//! the server is full.
//!
//! A full server that simply refused newcomers would belong to whoever opened connections
//! first: an attacker holding idle sockets would lock every card holder out. So when the cap is
//! reached, a connection of the address holding the most is closed to make room (a flood
//! evicts itself, a person with one browser is left alone), and of that address's connections
//! the least useful one: still waiting for its ClientHello, then dripping a request head, then
//! idle between requests, then an unfinished handshake, the oldest first. A connection serving
//! a request is never evicted; only when every slot serves one is the newcomer refused. The
//! per-address cap is checked first and never evicts.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Notify;

use super::settings::EVICTION_SLACK;

/// What a connection is doing, in the order in which connections give way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Phase {
    AwaitingHello = 0,
    RequestHead = 1,
    Idle = 2,
    Handshake = 3,
    Busy = 4,
}

impl Phase {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Phase::AwaitingHello,
            1 => Phase::RequestHead,
            2 => Phase::Idle,
            3 => Phase::Handshake,
            _ => Phase::Busy,
        }
    }
}

/// One connection's phase and since when, shared by its task and the table (no lock).
pub struct ConnState {
    phase: AtomicU8,
    since_ms: AtomicU64,
    epoch: Instant,
    evict: Notify,
}

impl ConnState {
    pub fn set(&self, phase: Phase) {
        self.since_ms.store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
        self.phase.store(phase as u8, Ordering::Release);
    }

    pub fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Acquire))
    }

    /// The phase and the moment it began.
    pub fn phase_since(&self) -> (Phase, Instant) {
        let phase = self.phase();
        let since = self.epoch + std::time::Duration::from_millis(self.since_ms.load(Ordering::Relaxed));
        (phase, since)
    }

    /// Resolves when the table chose this connection to make room.
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }

    fn rank(&self) -> (Phase, u64) {
        (self.phase(), self.since_ms.load(Ordering::Relaxed))
    }
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    PerAddress,
    Full,
}

pub struct ConnectionTable {
    max: usize,
    per_address: usize,
    epoch: Instant,
    inner: Mutex<Inner>,
    /// Told when an evicted connection has closed.
    closed: Notify,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    /// Evictable candidates (an evicted connection leaves this map at once).
    conns: HashMap<u64, Arc<ConnState>>,
    /// Each address's connections, evicted ones included until they close.
    per_ip: HashMap<IpAddr, HashSet<u64>>,
    /// Connections whose ticket is alive, evicted ones included.
    open: usize,
    evicting: usize,
}

/// A place in the table, released when dropped (when the connection's task ends).
pub struct Ticket {
    id: u64,
    ip: IpAddr,
    pub state: Arc<ConnState>,
    table: Arc<ConnectionTable>,
}

impl ConnectionTable {
    pub fn new(max: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            per_address,
            epoch: Instant::now(),
            inner: Mutex::new(Inner::default()),
            closed: Notify::new(),
        })
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// A place for a new connection from `ip`, making room if the table is full.
    /// Returns the ticket and whether another connection was evicted for it.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<(Ticket, bool), Refusal> {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.per_ip.get(&ip).map_or(0, HashSet::len) >= self.per_address {
            return Err(Refusal::PerAddress);
        }
        let mut evicted = false;
        if inner.open >= self.max {
            if inner.evicting >= EVICTION_SLACK {
                return Err(Refusal::Full);
            }
            let Some(victim) = inner.victim() else { return Err(Refusal::Full) };
            if let Some(state) = inner.conns.remove(&victim) {
                state.evict.notify_one();
            }
            inner.evicting += 1;
            evicted = true;
        }
        inner.next_id += 1;
        let id = inner.next_id;
        let state = Arc::new(ConnState {
            phase: AtomicU8::new(Phase::AwaitingHello as u8),
            since_ms: AtomicU64::new(self.epoch.elapsed().as_millis() as u64),
            epoch: self.epoch,
            evict: Notify::new(),
        });
        inner.conns.insert(id, state.clone());
        inner.per_ip.entry(ip).or_default().insert(id);
        inner.open += 1;
        Ok((Ticket { id, ip, state, table: self.clone() }, evicted))
    }

    /// Evicted connections not closed yet.
    pub fn evicting(&self) -> usize {
        self.inner.lock().map(|i| i.evicting).unwrap_or(0)
    }

    /// Resolves when an evicted connection has closed (or at once if one closed since the
    /// last call: `Notify` keeps one permit).
    pub async fn eviction_closed(&self) {
        self.closed.notified().await;
    }

    /// Open connections (evicted ones still closing included).
    pub fn open(&self) -> usize {
        self.inner.lock().map(|i| i.open).unwrap_or(0)
    }
}

impl Inner {
    /// The connection to close: the least useful of the address with the most connections
    /// that has an evictable one (not serving a request, not already evicted).
    fn victim(&self) -> Option<u64> {
        let mut addresses: Vec<(usize, &HashSet<u64>)> = self
            .per_ip
            .values()
            .map(|ids| (ids.iter().filter(|id| self.conns.contains_key(id)).count(), ids))
            .collect();
        addresses.sort_unstable_by_key(|a| std::cmp::Reverse(a.0));
        addresses.into_iter().find_map(|(_, ids)| {
            ids.iter()
                .filter_map(|id| self.conns.get(id).map(|s| (s.rank(), *id)))
                .filter(|((phase, _), _)| *phase != Phase::Busy)
                .min()
                .map(|(_, id)| id)
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut inner = self.table.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.conns.remove(&self.id).is_none() {
            inner.evicting = inner.evicting.saturating_sub(1);
            self.table.closed.notify_one();
        }
        inner.open = inner.open.saturating_sub(1);
        if let Some(ids) = inner.per_ip.get_mut(&self.ip) {
            ids.remove(&self.id);
            if ids.is_empty() {
                inner.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn one_address_is_capped_and_frees_its_places() {
        let t = ConnectionTable::new(100, 2);
        let a = t.admit(ip(1)).unwrap();
        let _b = t.admit(ip(1)).unwrap();
        assert_eq!(t.admit(ip(1)).err(), Some(Refusal::PerAddress));
        assert!(t.admit(ip(2)).is_ok());
        drop(a);
        assert!(t.admit(ip(1)).is_ok());
    }

    #[test]
    fn a_full_table_evicts_the_least_useful_never_a_busy_one() {
        let t = ConnectionTable::new(4, 10);
        let (busy, _) = t.admit(ip(1)).unwrap();
        busy.state.set(Phase::Busy);
        let (idle, _) = t.admit(ip(1)).unwrap();
        idle.state.set(Phase::Idle);
        let (shaking, _) = t.admit(ip(1)).unwrap();
        shaking.state.set(Phase::Handshake);
        let (silent, _) = t.admit(ip(1)).unwrap();
        // Full: the one still waiting for its ClientHello goes first, then the idle one.
        let (_new, evicted) = t.admit(ip(5)).unwrap();
        assert!(evicted);
        assert_eq!(t.open(), 5, "the evicted one still counts until it closes");
        assert_eq!(t.evicting(), 1);
        drop(silent);
        assert_eq!((t.open(), t.evicting()), (4, 0));
        let (_new2, _) = t.admit(ip(6)).unwrap();
        assert!(!t.inner.lock().unwrap().conns.values().any(|s| Arc::ptr_eq(s, &idle.state)));
        drop(idle);
        let (_new3, _) = t.admit(ip(7)).unwrap();
        assert!(!t.inner.lock().unwrap().conns.values().any(|s| Arc::ptr_eq(s, &shaking.state)));
        drop(shaking);
        // The busy one stays: among equals (one connection each) a newcomer of another address goes.
        let (_a, evicted) = t.admit(ip(8)).unwrap();
        assert!(evicted);
        assert!(t.inner.lock().unwrap().conns.values().any(|s| Arc::ptr_eq(s, &busy.state)));
    }

    #[test]
    fn the_address_with_the_most_connections_gives_way() {
        let t = ConnectionTable::new(4, 10);
        let (person, _) = t.admit(ip(1)).unwrap();
        let mut flood: Vec<Ticket> = (0..3).map(|_| t.admit(ip(2)).unwrap().0).collect();
        let alive = |t: &Arc<ConnectionTable>, s: &Arc<ConnState>| {
            t.inner.lock().unwrap().conns.values().any(|c| Arc::ptr_eq(c, s))
        };
        // The person's connection is the oldest and least advanced, yet the flood evicts itself.
        for _ in 0..10 {
            let (newcomer, evicted) = t.admit(ip(2)).unwrap_or_else(|_| panic!("refused"));
            assert!(evicted);
            assert!(alive(&t, &person.state));
            flood.push(newcomer);
            // Evicted connections close.
            flood.retain(|f| alive(&t, &f.state));
        }
        assert_eq!(t.open(), 4);
    }

    #[test]
    fn only_busy_connections_means_refusal() {
        let t = ConnectionTable::new(2, 10);
        let (a, _) = t.admit(ip(1)).unwrap();
        let (b, _) = t.admit(ip(2)).unwrap();
        a.state.set(Phase::Busy);
        b.state.set(Phase::Busy);
        assert_eq!(t.admit(ip(3)).err(), Some(Refusal::Full));
    }
}
