package dev.reliability.micrometer;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.circuitbreaker.CircuitState;
import dev.reliability.circuitbreaker.CircuitStats;
import dev.reliability.registry.Registry;
import dev.reliability.registry.RegistryListener;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryBudget;
import dev.reliability.retry.RetryStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Exposes every circuit breaker, retry and retry budget of a {@link Registry} as Micrometer meters. The meters read
 * the counters each member keeps anyway, through {@link FunctionCounter}s and {@link Gauge}s, when the meter registry
 * is scraped or published: they cost the calls nothing.
 *
 * <pre>{@code
 * ReliabilityMetrics metrics = ReliabilityMetrics.of(registry);
 * metrics.bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Members created after binding get their meters as they are created (the binder follows the registry through
 * {@link Registry#subscribe}), and a breaker that leaves the registry, removed or evicted, loses its meters. Only the
 * registry's own members are seen: retries from {@link Registry#retry}, budgets from {@link Registry#retryBudget}.
 * Every meter carries a {@code name} tag with the member's name, plus the tags given to {@link #of(Registry,
 * Iterable)}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@code reliability.circuitbreaker.state}</td><td>gauge</td><td>{@code state}: {@code closed}, {@code
 *       open}, {@code half-open}, {@code forced-open}, {@code disabled}</td><td>1 for the breaker's state, 0 for the
 *       others</td></tr>
 *   <tr><td>{@code reliability.circuitbreaker.calls}</td><td>function counter</td><td>{@code outcome}: {@code
 *       success}, {@code failure}, {@code ignored}</td><td>permitted calls that completed, by how they were recorded
 *       ({@code ignored}: an ignored outcome or a released permit)</td></tr>
 *   <tr><td>{@code reliability.circuitbreaker.rejected.calls}</td><td>function counter</td><td></td><td>calls that
 *       were not permitted</td></tr>
 *   <tr><td>{@code reliability.circuitbreaker.failure.rate}</td><td>gauge</td><td></td><td>the sliding window's
 *       failure rate in percent; -1 without a window or before it holds {@code minimumCalls}</td></tr>
 *   <tr><td>{@code reliability.circuitbreaker.slow.call.rate}</td><td>gauge</td><td></td><td>the same for slow
 *       calls; -1 when slow calls are not tracked</td></tr>
 *   <tr><td>{@code reliability.retry.calls}</td><td>function counter</td><td>{@code outcome}: {@code success}, {@code
 *       failure}; {@code retried}: {@code true}, {@code false}</td><td>ended calls, as {@link RetryStats} counts
 *       them</td></tr>
 *   <tr><td>{@code reliability.retry.retries}</td><td>function counter</td><td></td><td>attempts after the first
 *       that started</td></tr>
 *   <tr><td>{@code reliability.retry.rejected.retries}</td><td>function counter</td><td></td><td>retries the
 *       policy's budget refused</td></tr>
 *   <tr><td>{@code reliability.retry.budget.tokens}</td><td>gauge</td><td></td><td>the tokens available now</td></tr>
 *   <tr><td>{@code reliability.retry.budget.max.tokens}</td><td>gauge</td><td></td><td>the budget's capacity</td></tr>
 *   <tr><td>{@code reliability.retry.budget.retries}</td><td>function counter</td><td>{@code outcome}: {@code
 *       permitted}, {@code rejected}</td><td>retries the budget allowed or refused, for every retry using it</td></tr>
 * </table>
 *
 * <p>One binder may be bound to several meter registries. {@link #close()} stops following the registry and removes
 * the meters it registered. Thread-safe.
 */
public final class ReliabilityMetrics implements MeterBinder, AutoCloseable {
    private final Registry registry;
    private final Tags tags;
    private final Follower follower = new Follower();

    // Guarded by this. The members seen so far, by kind and name, and the meters registered for each.
    private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
    private final Map<String, Retry> retries = new LinkedHashMap<>();
    private final Map<String, RetryBudget> budgets = new LinkedHashMap<>();
    private final Map<MeterRegistry, Map<String, List<Meter>>> meters = new LinkedHashMap<>();
    private boolean subscribed;
    private boolean closed;

    private ReliabilityMetrics(Registry registry, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Returns a binder for the members of {@code registry}.
     *
     * @param registry the registry whose members to expose
     * @return a binder, not yet bound
     * @throws NullPointerException if {@code registry} is null
     */
    public static ReliabilityMetrics of(Registry registry) {
        return new ReliabilityMetrics(registry, Tags.empty());
    }

    /**
     * Returns a binder for the members of {@code registry} whose meters all carry {@code tags} as well.
     *
     * @param registry the registry whose members to expose
     * @param tags tags added to every meter, such as the service's name
     * @return a binder, not yet bound
     * @throws NullPointerException if an argument is null
     */
    public static ReliabilityMetrics of(Registry registry, Iterable<Tag> tags) {
        return new ReliabilityMetrics(registry, tags);
    }

    /**
     * Registers the meters of every member of the registry in {@code meterRegistry}, and of every member created
     * later, until {@link #close()}. Binding the same meter registry twice changes nothing.
     *
     * @param meterRegistry where to register the meters
     * @throws NullPointerException if {@code meterRegistry} is null
     * @throws IllegalStateException if this binder is closed
     */
    @Override
    public void bindTo(MeterRegistry meterRegistry) {
        Objects.requireNonNull(meterRegistry, "meterRegistry");
        boolean subscribe;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the binder is closed");
            }
            if (meters.containsKey(meterRegistry)) {
                return;
            }
            meters.put(meterRegistry, new HashMap<>());
            breakers.forEach((name, breaker) -> registerBreaker(meterRegistry, breaker));
            retries.forEach((name, retry) -> registerRetry(meterRegistry, retry));
            budgets.forEach((name, budget) -> registerBudget(meterRegistry, name, budget));
            subscribe = !subscribed;
            subscribed = true;
        }
        // Outside this lock: the registry calls the follower under its own lock, which is then taken before this one.
        if (subscribe) {
            registry.subscribe(follower); // reports the members there are now, registering them in every bound registry
            synchronized (this) {
                if (!closed) {
                    return;
                }
            }
            registry.unsubscribe(follower); // closed while subscribing: leave nothing behind in the registry
        }
    }

    /** Stops following the registry and removes every meter this binder registered. Closing twice does nothing. */
    @Override
    public void close() {
        registry.unsubscribe(follower);
        synchronized (this) {
            closed = true;
            meters.forEach((meterRegistry, byMember) ->
                    byMember.values().forEach(list -> list.forEach(meterRegistry::remove)));
            meters.clear();
            breakers.clear();
            retries.clear();
            budgets.clear();
        }
    }

    @Override
    public String toString() {
        return "ReliabilityMetrics[" + registry + ", tags=" + tags + "]";
    }

    // ---------------------------------------------------------------- following the registry

    private synchronized void added(Runnable remember, Registrar registrar) {
        if (closed) {
            return;
        }
        remember.run();
        meters.forEach((meterRegistry, byMember) -> registrar.register(meterRegistry));
    }

    private synchronized void breakerRemoved(CircuitBreaker breaker) {
        String name = breaker.name();
        if (breakers.get(name) != breaker) {
            return;
        }
        breakers.remove(name);
        meters.forEach((meterRegistry, byMember) -> {
            List<Meter> list = byMember.remove(key("breaker", name));
            if (list != null) {
                list.forEach(meterRegistry::remove);
            }
        });
    }

    /** Registers one member's meters in one meter registry. */
    @FunctionalInterface
    private interface Registrar {
        void register(MeterRegistry meterRegistry);
    }

    /** What the binder hears from the registry; a separate object, so the binder's own API stays MeterBinder's. */
    private final class Follower implements RegistryListener {
        @Override
        public void onCircuitBreakerAdded(CircuitBreaker breaker) {
            added(() -> breakers.put(breaker.name(), breaker), r -> registerBreaker(r, breaker));
        }

        @Override
        public void onCircuitBreakerRemoved(CircuitBreaker breaker) {
            breakerRemoved(breaker);
        }

        @Override
        public void onRetryAdded(Retry retry) {
            added(() -> retries.put(retry.name(), retry), r -> registerRetry(r, retry));
        }

        @Override
        public void onRetryBudgetAdded(String name, RetryBudget budget) {
            added(() -> budgets.put(name, budget), r -> registerBudget(r, name, budget));
        }
    }

    // ---------------------------------------------------------------- the meters

    private static String key(String kind, String name) {
        return kind + ':' + name;
    }

    /** Collects the meters of one member in one registry, so they can be removed together. */
    private final class MemberMeters {
        final MeterRegistry meterRegistry;
        final Tags memberTags;
        final List<Meter> list = new ArrayList<>();

        MemberMeters(MeterRegistry meterRegistry, String kind, String name) {
            this.meterRegistry = meterRegistry;
            this.memberTags = tags.and("name", name);
            meters.get(meterRegistry).put(key(kind, name), list);
        }

        <T> void counter(String meter, String description, T source, ToDoubleFunction<T> read, String... extraTags) {
            list.add(FunctionCounter.builder(meter, source, read)
                    .description(description)
                    .tags(memberTags.and(extraTags))
                    .register(meterRegistry));
        }

        <T> void gauge(String meter, String description, T source, ToDoubleFunction<T> read, String... extraTags) {
            list.add(Gauge.builder(meter, source, read)
                    .description(description)
                    .tags(memberTags.and(extraTags))
                    .register(meterRegistry));
        }
    }

    private void registerBreaker(MeterRegistry meterRegistry, CircuitBreaker breaker) {
        MemberMeters m = new MemberMeters(meterRegistry, "breaker", breaker.name());
        for (CircuitState state : CircuitState.values()) {
            m.gauge(
                    "reliability.circuitbreaker.state",
                    "1 for the breaker's current state, 0 for the others",
                    breaker,
                    b -> b.state() == state ? 1 : 0,
                    "state",
                    state.externalName());
        }
        String calls = "reliability.circuitbreaker.calls";
        String callsHelp = "permitted calls that completed, by how they were recorded";
        m.counter(calls, callsHelp, breaker, b -> b.stats().totalSuccess(), "outcome", "success");
        m.counter(calls, callsHelp, breaker, b -> b.stats().totalFailures(), "outcome", "failure");
        m.counter(calls, callsHelp, breaker, ReliabilityMetrics::ignored, "outcome", "ignored");
        m.counter("reliability.circuitbreaker.rejected.calls", "calls that were not permitted", breaker, b -> b.stats()
                .rejected());
        m.gauge(
                "reliability.circuitbreaker.failure.rate",
                "failure rate over the sliding window in percent, -1 when not known",
                breaker,
                b -> b.stats().failureRate());
        m.gauge(
                "reliability.circuitbreaker.slow.call.rate",
                "slow-call rate over the sliding window in percent, -1 when not known",
                breaker,
                b -> b.stats().slowCallRate());
    }

    /** Permitted calls recorded as neither success nor failure: ignored outcomes and released permits. */
    private static double ignored(CircuitBreaker breaker) {
        CircuitStats stats = breaker.stats();
        return Math.max(0L, stats.requests() - stats.totalSuccess() - stats.totalFailures());
    }

    private void registerRetry(MeterRegistry meterRegistry, Retry retry) {
        MemberMeters m = new MemberMeters(meterRegistry, "retry", retry.name());
        String calls = "reliability.retry.calls";
        String callsHelp = "ended calls, by outcome and whether a retry started";
        m.counter(
                calls,
                callsHelp,
                retry,
                r -> r.stats().succeededWithoutRetry(),
                "outcome",
                "success",
                "retried",
                "false");
        m.counter(
                calls, callsHelp, retry, r -> r.stats().succeededAfterRetry(), "outcome", "success", "retried", "true");
        m.counter(
                calls, callsHelp, retry, r -> r.stats().failedWithoutRetry(), "outcome", "failure", "retried", "false");
        m.counter(calls, callsHelp, retry, r -> r.stats().failedAfterRetry(), "outcome", "failure", "retried", "true");
        m.counter("reliability.retry.retries", "attempts after the first that started", retry, r -> r.stats()
                .retries());
        m.counter("reliability.retry.rejected.retries", "retries the policy's budget refused", retry, r -> r.stats()
                .rejectedRetries());
    }

    private void registerBudget(MeterRegistry meterRegistry, String name, RetryBudget budget) {
        MemberMeters m = new MemberMeters(meterRegistry, "budget", name);
        m.gauge("reliability.retry.budget.tokens", "tokens available now", budget, RetryBudget::availableTokens);
        m.gauge(
                "reliability.retry.budget.max.tokens",
                "the most tokens the budget holds",
                budget,
                RetryBudget::maxTokens);
        String retriesName = "reliability.retry.budget.retries";
        String retriesHelp = "retries the budget allowed or refused";
        m.counter(retriesName, retriesHelp, budget, RetryBudget::permittedRetries, "outcome", "permitted");
        m.counter(retriesName, retriesHelp, budget, RetryBudget::rejectedRetries, "outcome", "rejected");
    }
}
