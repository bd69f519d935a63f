package dev.reliability.registry;

import dev.reliability.circuitbreaker.CircuitBreaker;
import dev.reliability.retry.Retry;
import dev.reliability.retry.RetryBudget;

/**
 * Learns which breakers, retries and retry budgets a {@link Registry} holds, as they come and go: what a metrics
 * binding needs to find every member, including those created after it was bound. Every method has a no-op default,
 * so new events stay compatible.
 *
 * <p>Added with {@link Registry#subscribe}, which first reports every member the registry holds, then each member as
 * it is created or removed. Calls are made on the thread that creates or removes the member, while the registry holds
 * its creation lock, so a listener sees each member added once and never removed before it was added: keep them short.
 * A listener that throws is logged at WARNING and does not stop the creation or removal.
 */
public interface RegistryListener {

    /**
     * Called when the registry holds a new breaker, and for each existing breaker on subscription.
     *
     * @param breaker the breaker; {@link CircuitBreaker#name()} is its name in the registry
     */
    default void onCircuitBreakerAdded(CircuitBreaker breaker) {}

    /**
     * Called when a breaker leaves the registry, by {@link Registry#remove} or by eviction.
     *
     * @param breaker the breaker that left
     */
    default void onCircuitBreakerRemoved(CircuitBreaker breaker) {}

    /**
     * Called when the registry holds a new retry, and for each existing retry on subscription.
     *
     * @param retry the retry; {@link Retry#name()} is its name in the registry
     */
    default void onRetryAdded(Retry retry) {}

    /**
     * Called when the registry holds a new retry budget, and for each existing budget on subscription.
     *
     * @param name the budget's name in the registry
     * @param budget the budget
     */
    default void onRetryBudgetAdded(String name, RetryBudget budget) {}
}
