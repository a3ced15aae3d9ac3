/*
 * renew-once.pml: a Promela model of renewOnce, the refresh protocol of cdf-authflow, checked with spin
 * by scripts/model-check.mjs (docs/refresh-protocol.md describes the model, its properties and results).
 *
 * What is modelled, and the code each part stands for:
 * - Client(me): one call of renewOnce (src/session/renew-once.ts) in one of N instances, tabs or
 *   processes, on a credential it found stale: renewOnce (optimistic read), lockOrNews (the lock or the
 *   news, whichever first), underLock (re-read, adopt or renew, compare-and-set), afterConflict and
 *   nextAdoptable (wait for the winner's credential). RenewLock.withLock's release is the `release`
 *   inline.
 * - The store: the Redis-backed CredentialStore as test/helpers/remote-store.ts behaves (and
 *   src/stores/redis/redis-credential-store.ts, script WRITE): a version, a value (the token's family
 *   and generation), compare-and-set writes judged by the version alone (the writer's fence is carried
 *   but never refuses a write), and pub/sub news to subscribers, delivered late or never read (a slow
 *   store).
 * - The lock: test/helpers/remote-store.ts `setNx` and the compare-and-delete release
 *   (src/stores/redis/redis-renew-lock.ts, scripts ACQUIRE and RELEASE): the holder's fence (the lock
 *   key), the fence counter (INCR), a lease that runs out.
 * - IdP(): an IdP that rotates refresh tokens (RFC 9700 section 4.14.2): a grant with the current
 *   generation issues the next one; a grant with an older one is a rotated-out use (the IdP refuses it
 *   and revokes the active refresh token as well: the user must sign in again).
 * - Faults() and Clock(): what the world may do at any time: a client crashes (its lock is then freed
 *   only when the lease runs out), a holder stalls past its lease (the lock key expires under it), the
 *   stored access token expires.
 *
 * Bounds that keep the search small and exhaustive: 3 clients, each with the same stale credential
 * (0.0) as its `current`; at most one crash and one failure of the token endpoint per run; at most 3
 * rotations (one renewal per client).
 *
 * Compile-time switches (spin -a -D...):
 *   Environment
 *   LOSE_AFTER_GRANT     a holder may crash, or stall past its lease, after its grant request left and
 *                        before its store write (the new tokens die with it, or arrive late)
 *   STALL_BEFORE_GRANT   a holder may stall past its lease after taking the lock and before its grant
 *   UNBOUNDED_WAITS      no `timeout`: every wait waits for ever
 *   SIGN_IN              a new sign-in writes the store once, outside the lock, at any moment
 *   Mutants (each a real mistake; the checks must fail)
 *   RELEASE_WITHOUT_COMPARE  release deletes the lock whoever holds it
 *   NO_REREAD                the holder renews what its first read saw, without re-reading under the lock
 *   NO_CAS                   the store ignores the expected version (accepts every write)
 *   The previous code (before the store stopped refusing writes by their fence; the checks must fail)
 *   FENCED_WRITE             the store also refuses a write whose fence is older than the newest issued,
 *                            and the holder does not write again
 */

#define N 3            /* clients */
#define NEWS_CAP 4     /* pub/sub messages a client may have pending: every write, at most */
#define VERSIONS 8     /* store versions: 1 initial, + renewals + a sign-in */

/* ---- Outcomes of renewOnce (RenewOutcome.outcome, or the AuthFlowError code) ---- */
/* renewed, adopted: RenewOutcome.outcome; timed_out: AuthFlowError 'timeout' (the lock's wait, or
   afterConflict's); grant_failed: the renewal's own error (the IdP refused or failed); crashed: the
   client died, and no outcome is owed to anyone. 0 (NONE): not ended yet. */
mtype = { renewed, adopted, timed_out, grant_failed, crashed };
#define NONE 0

/* ---- The store (remote-store.ts `values`; Redis hash v/c) ---- */
byte sver = 1;         /* the held credential's version; never reused (remote-store: v1, v2, ...) */
byte nextver = 1;      /* the last version issued */
byte sfam = 0;         /* the held credential's token family: 0 the login renewed here, 1 a new sign-in */
byte sgen = 0;         /* the held credential's refresh-token generation within its family */
bool subscribed[N];    /* CredentialStore.subscribe: the client's listener is registered */
chan news[N] = [NEWS_CAP] of { byte, byte }; /* published (family, generation), not yet delivered */

/* ---- Time: access tokens expire (usableWhenFresh / isFresh) ---- */
/* A token (f, g) is usable while g >= live[f]. The initial credential (0, 0) is already stale. */
byte live[2] = 0;

/* ---- The lock (remote-store.ts `leases` and `fences`; Redis keys lock and fence) ---- */
byte holder = 0;       /* the lock key: the holder's fence, 0 when free (deleted or expired) */
byte fences = 0;       /* INCR counter: the newest fence issued; never reset (Redis's REMOVE leaves it) */
byte owner = 0;        /* model bookkeeping: the client the holder's fence belongs to (0 while free) */

/* ---- The IdP ---- */
byte idp_gen[2];       /* the current (not rotated-out) refresh-token generation of each family */
byte idp_errors = 0;   /* token-endpoint failures so far (at most one) */
chan grant_req = [N] of { byte, byte, byte, byte };  /* client, family, generation, version it was read at */
chan grant_resp[N] = [1] of { bool, byte };            /* granted?, the new generation */

/* ---- What the clients are doing, for the faults' windows ---- */
bool holding[N];       /* holds the lock, from the grant of the lock up to its store write (or decision) */
bool granting[N];      /* from its grant request up to its store write (or the IdP's refusal) */
bool running[N];       /* has not ended its process yet */
bool crash[N];         /* Faults() crashed it: it stops at once */
mtype outcome[N];      /* what renewOnce ended with; NONE while it runs */
byte crashes = 0;

/* ---- Property bookkeeping ---- */
byte grants[VERSIONS]; /* refresh grants the IdP served, per store version the holder read (P1) */
bool double_grant = false;   /* P1: a second grant for one stored version */
bool reused = false;         /* P2: a rotated-out refresh token reached the IdP */
bool late_attempt = false;   /* a write arrived with a fence older than the newest issued */
bool over_newer = false;     /* P5: the store accepted a write over a version other than the one its writer read */
bool written_over[VERSIONS]; /* the store accepted a write over this version */
bool double_write = false;   /* P8: a second accepted write over one version */
bool signin_lost = false;    /* P6: a renewal overwrote a credential of another family (a new sign-in) */
bool conflicted = false;     /* the store refused a holder's write (afterConflict runs) */
bool grant_lost = false;     /* a client crashed between its grant request and its write (P9) */
bool conflict_adopted = false; /* a holder adopted a credential in afterConflict */

#define usable(f, g) ((g) >= live[f])
/* renew-once.ts `adoptable`: not the caller's own (`current`, here always (0, 0)) and usable */
#define adoptable(f, g) (((f) != 0 || (g) != 0) && usable(f, g))
#define all_ended (outcome[0] != NONE && outcome[1] != NONE && outcome[2] != NONE)

/* ---- Properties (one claim each; scripts/model-check.mjs selects one with pan -N) ---- */
ltl one_grant_per_version { [] !double_grant }
ltl no_rotated_out_use { [] !reused }
ltl late_write_happens { [] !late_attempt }    /* a witness: must FAIL where late writes are possible */
ltl no_write_over_newer { [] !over_newer }
ltl sign_in_kept { [] !signin_lost }
ltl every_caller_ends { <> all_ended }
ltl store_keeps_current { [] ((all_ended && !reused) -> sgen == idp_gen[sfam]) }
ltl store_keeps_current_unless_grant_lost { [] ((all_ended && !reused && !grant_lost) -> sgen == idp_gen[sfam]) }
ltl one_write_per_version { [] !double_write }
ltl no_write_conflict { [] !conflicted }
ltl after_conflict_never_adopts { [] !conflict_adopted }

/* The store's publish (remote-store.ts `publish`; WRITE's PUBLISH): every subscriber gets the news, later. */
inline publish(f, g) {
  j = 0;
  do
  :: j < N ->
     if
     :: subscribed[j] -> assert(len(news[j]) < NEWS_CAP); news[j]!f, g
     :: else
     fi;
     j++
  :: else -> break
  od
}

/* A listener removed is called no more (remote-store: `subscribers.has(s)`): pending news is dropped. */
inline unsubscribe() {
  subscribed[me] = false;
  do
  :: nempty(news[me]) -> news[me]?_, _
  :: empty(news[me]) -> break
  od
}

/* RenewLock.withLock's release: compare-and-delete (remote-store.ts; redis-renew-lock.ts RELEASE). */
inline release() {
#ifdef RELEASE_WITHOUT_COMPARE
  printf("client %d releases: deletes the lock (fence %d) without comparing\n", me, holder);
  holder = 0; owner = 0;
#else
  if
  :: holder == myfence -> holder = 0; owner = 0; printf("client %d releases the lock (fence %d)\n", me, myfence)
  :: else -> printf("client %d releases nothing: fence %d no longer holds the lock\n", me, myfence)
  fi;
#endif
  myfence = 0
}

/* withLock grants the lock (remote-store.ts setNx; redis-renew-lock.ts ACQUIRE): only if no lock key. */
inline acquire() {
  holder == 0 -> fences++; holder = fences; myfence = fences; owner = me;
  printf("client %d takes the lock: fence %d\n", me, myfence)
}

/* store.read: one atomic read of version and value. */
inline read() {
  rf = sfam; rg = sgen; rv = sver;
  printf("client %d reads v%d: token %d.%d, usable %d\n", me, rv, rf, rg, usable(rf, rg))
}

/* renewOnce settles: its promise resolves or rejects with `o`; the client's part ends. */
inline finish(o) {
  outcome[me] = o; running[me] = false;
  if
  :: o == renewed -> printf("client %d ends: renewed\n", me)
  :: o == adopted -> printf("client %d ends: adopted\n", me)
  :: o == timed_out -> printf("client %d ends: timeout\n", me)
  :: o == grant_failed -> printf("client %d ends: the renewal failed\n", me)
  fi
}

/* A wait's bound (waitMs): it may run out at any moment, and ends the wait with a typed failure. */
#ifdef UNBOUNDED_WAITS
#define WAIT_BOUND false
#else
#define WAIT_BOUND true
#endif

/*
 * One renewOnce call. Each atomic step is one event the client cannot be interrupted in: a store or
 * lock command (atomic on the server) together with the caller's synchronous reaction to its answer.
 */
proctype Client(byte me) {
  byte rf, rg, rv;     /* what the last read returned: family, generation, version */
  byte nf, ng;         /* news */
  byte myfence = 0;    /* the fence withLock gave fn; 0 once released */
  bool ok;
  byte newg;           /* the renewed credential's generation */
  byte j;

  {
    /* renewOnce: the optimistic read; most callers arrive after the renewal and adopt here. */
    atomic {
      read();
      if
      :: adoptable(rf, rg) -> finish(adopted); goto ended
      :: else
      fi
    };

    /* lockOrNews: subscribe (a write before this is not heard), then wait for the lock or for news. */
    atomic { subscribed[me] = true; printf("client %d subscribes and waits for the lock or news\n", me) };
waiting:
    if
    :: atomic { acquire(); holding[me] = true }; goto granted
    :: atomic {
         news[me]?nf, ng;
         printf("client %d hears news: token %d.%d, usable %d\n", me, nf, ng, usable(nf, ng));
         if
         :: adoptable(nf, ng) ->
            unsubscribe(); outcome[me] = adopted; printf("client %d ends: adopted\n", me); goto inflight
         :: else -> goto waiting   /* the listener ignores news it cannot adopt */
         fi
       }
    :: atomic { WAIT_BOUND -> unsubscribe(); finish(timed_out); goto ended }
    fi;

granted:
    /* The lock's answer and the news race: news heard before fn runs wins (phase is no longer
       'waiting'): renewOnce resolves, and fn then returns null and the lock is released. */
    if
    :: atomic {
         news[me]?nf, ng;
         printf("client %d hears news before fn runs: token %d.%d, usable %d\n", me, nf, ng, usable(nf, ng));
         if
         :: adoptable(nf, ng) ->
            unsubscribe(); holding[me] = false; outcome[me] = adopted; printf("client %d ends: adopted\n", me)
         :: else -> goto granted
         fi
       };
       atomic { release(); running[me] = false; goto ended }
    :: atomic { unsubscribe() }   /* fn runs: phase = 'holding', unsubscribe */
    fi;

    /* underLock: re-read under the lock, adopt what another holder wrote, or renew it. */
    atomic {
#ifndef NO_REREAD
      read();
#endif
      if
      :: adoptable(rf, rg) -> holding[me] = false; release(); finish(adopted); goto ended
      :: else
      fi
    };

    /* renewTyped -> renew(stored): the refresh grant with the stored refresh token. */
    atomic {
      granting[me] = true; grant_req!me, rf, rg, rv;
      printf("client %d sends a refresh grant with refresh token %d.%d (read at v%d)\n", me, rf, rg, rv)
    };
    atomic {
      grant_resp[me]?ok, newg;
      if
      :: !ok -> granting[me] = false; holding[me] = false
      :: else
      fi
    };
    if
    :: !ok -> atomic { release(); finish(grant_failed); goto ended }
    :: else
    fi;

    /* store.write(key, next, stored.version, { fence }): compare-and-set on the version alone, atomic on
       the server (remote-store.ts compareAndSet; redis-credential-store.ts WRITE). The fence is carried,
       and refuses nothing. */
    atomic {
      late_attempt = late_attempt || myfence < fences;
      if
#if defined(FENCED_WRITE) && defined(NO_CAS)
      :: myfence >= fences ->
#elif defined(FENCED_WRITE)
      :: myfence >= fences && sver == rv ->   /* the previous code: the fence refuses too */
#elif defined(NO_CAS)
      :: true ->
#else
      :: sver == rv ->
#endif
         printf("client %d writes token %d.%d with fence %d over v%d: written\n", me, rf, newg, myfence, rv);
         over_newer = over_newer || sver != rv;
         double_write = double_write || written_over[rv];
         written_over[rv] = true;
         signin_lost = signin_lost || sfam != rf;
         nextver++; sver = nextver; sfam = rf; sgen = newg;
         publish(rf, newg);
         ok = true
      :: else ->   /* conflict */
         ok = false;
         conflicted = true;
         printf("client %d writes token %d.%d with fence %d over v%d: conflict (newest fence %d, held v%d)\n",
           me, rf, newg, myfence, rv, fences, sver)
      fi;
      granting[me] = false;
      holding[me] = false
    };
    if
    :: ok -> atomic { release(); finish(renewed); goto ended }
    :: else
    fi;

    /* Reached only after a write outside the lock (SIGN_IN): holders alone never conflict
       (no_write_conflict); with FENCED_WRITE, also after a refusal by the fence.
       afterConflict -> nextAdoptable: subscribe, then read; adopt the winner's credential, or wait for
       it at most waitMs. This runs inside withLock's fn: the lock is released after it. */
    atomic { subscribed[me] = true; printf("client %d subscribes and waits for the winner's credential\n", me) };
    atomic {
      read();
      if
      :: adoptable(rf, rg) -> conflict_adopted = true; unsubscribe(); release(); finish(adopted); goto ended
      :: else
      fi
    };
    do
    :: atomic {
         news[me]?nf, ng;
         printf("client %d hears news: token %d.%d, usable %d\n", me, nf, ng, usable(nf, ng));
         if
         :: adoptable(nf, ng) -> conflict_adopted = true; unsubscribe(); release(); finish(adopted); goto ended
         :: else
         fi
       }
    :: atomic { WAIT_BOUND -> unsubscribe(); release(); finish(timed_out); goto ended }
    od;

inflight:
    /* Adopted from news while a lock attempt was in flight (remote-store.ts, redis-renew-lock.ts:
       the signal is looked at only between attempts): the attempt may still win the lock; fn then
       returns null, and the lock is released. */
    if
    :: atomic { acquire() }; atomic { release(); running[me] = false }
    :: atomic { running[me] = false }
    fi;

ended:
    skip
  } unless {
    crash[me] ->
      atomic {
        if
        :: outcome[me] == NONE -> outcome[me] = crashed
        :: else
        fi;
        printf("client %d crashes\n", me);
        grant_lost = grant_lost || granting[me];
        unsubscribe();
        holding[me] = false;
        granting[me] = false;
        running[me] = false
      }
  }
}

/* The IdP's token endpoint, grant_type=refresh_token, with rotation. */
proctype IdP() {
  byte c, f, g, v;
end:
  do
  :: atomic {
       grant_req?c, f, g, v ->
       if
       :: idp_errors == 0 ->
          /* Once per run: the token endpoint fails before it grants (down, 5xx, the request lost on
             the way): nothing rotates; the caller gets the renewal's error. */
          idp_errors++; grant_resp[c]!false, 0;
          printf("IdP fails client %d's grant before granting: nothing rotates\n", c)
       :: true ->
          grants[v]++;
          double_grant = double_grant || grants[v] > 1;
          if
          :: g == idp_gen[f] ->
             idp_gen[f]++; grant_resp[c]!true, idp_gen[f];
             printf("IdP grants client %d: refresh token %d.%d rotates to %d.%d\n", c, f, g, f, idp_gen[f])
          :: else ->   /* invalid_grant; the active refresh token is revoked too */
             reused = true; grant_resp[c]!false, 0;
             printf("IdP refuses client %d: refresh token %d.%d was rotated out (current %d.%d)\n", c, f, g, f, idp_gen[f])
          fi
       fi
     }
  od
}

/* May a holder lose its lease now, while it still runs (a stall: a GC pause, a frozen laptop)? */
#if defined(STALL_BEFORE_GRANT) && defined(LOSE_AFTER_GRANT)
#define may_stall(i) true
#elif defined(STALL_BEFORE_GRANT)
#define may_stall(i) (!granting[i])
#elif defined(LOSE_AFTER_GRANT)
#define may_stall(i) (!holding[i] || granting[i])
#else
#define may_stall(i) (!holding[i])
#endif
/* May a client crash now? */
#ifdef LOSE_AFTER_GRANT
#define may_crash(i) true
#else
#define may_crash(i) (!granting[i])
#endif

/* Crashes (at most one) and leases that run out. */
proctype Faults() {
end:
  do
  :: atomic { crashes == 0 && running[0] && may_crash(0) -> crash[0] = true; crashes++ }
  :: atomic { crashes == 0 && running[1] && may_crash(1) -> crash[1] = true; crashes++ }
  :: atomic { crashes == 0 && running[2] && may_crash(2) -> crash[2] = true; crashes++ }
  /* The lock key's PX runs out: the holder died, or stalled past its lease. */
  :: atomic {
       holder != 0 && (crash[owner] || may_stall(owner)) ->
       printf("the lease of fence %d (client %d) runs out\n", holder, owner); holder = 0; owner = 0
     }
  od
}

/* The stored access token expires (and every older one of its family with it). A new sign-in's token
   (family 1) stays fresh for the rest of the run. */
proctype Clock() {
end:
  do
  :: atomic { sfam == 0 && live[sfam] <= sgen -> live[sfam] = sgen + 1; printf("token %d.%d expires\n", sfam, sgen) }
  od
}

#ifdef SIGN_IN
/* A new sign-in (the CLI's login, a fresh session) writes the store outside the lock, unconditionally. */
proctype SignIn() {
  byte j;
  atomic {
    nextver++; sver = nextver; sfam = 1; sgen = 0;
    publish(1, 0);
    printf("a new sign-in writes token 1.0 at v%d\n", sver)
  }
}
#endif

init {
  atomic {
    live[0] = 1;   /* the initial credential (0, 0) is stale: every client wants it renewed */
    running[0] = true; running[1] = true; running[2] = true;
    run IdP();
    run Faults();
    run Clock();
#ifdef SIGN_IN
    run SignIn();
#endif
    run Client(0);
    run Client(1);
    run Client(2)
  }
}
