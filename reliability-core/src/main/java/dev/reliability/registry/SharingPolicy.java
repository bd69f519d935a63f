package dev.reliability.registry;

import static dev.reliability.internal.Preconditions.checkAtLeast;

/**
 * How breakers that share a state store share their state across JVMs (nodes). Every policy persists each breaker, so
 * its state survives a restart; they differ in whether and when one node's state reaches the others.
 *
 * <ul>
 *   <li>{@link #ANY_NODE} (the default): one node's OPEN opens the breaker everywhere within the sync interval, and
 *       consecutive failures are counted across all nodes. Fastest reaction; one node with a bad network path can
 *       open everyone's breaker.
 *   <li>{@link #quorum(int) quorum(k)}: a node's own failures open its own breaker; the breaker opens everywhere only
 *       when {@code k} nodes are open at the same time. One bad node cannot stop the others; the cluster reacts only
 *       once {@code k} nodes have seen the failures.
 *   <li>{@link #LOCAL_ONLY}: state survives restarts, but other nodes' transitions are never adopted and half-open
 *       trials are not coordinated.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class SharingPolicy {
    /** One node's OPEN opens the breaker on every node; failures are counted across nodes. */
    public static final SharingPolicy ANY_NODE = new SharingPolicy(1);

    /** State persists across restarts; nothing is adopted from other nodes. */
    public static final SharingPolicy LOCAL_ONLY = new SharingPolicy(0);

    private final int quorum;

    private SharingPolicy(int quorum) {
        this.quorum = quorum;
    }

    /**
     * Returns the policy that opens a breaker everywhere when {@code nodes} nodes are open at once. A node counts from
     * the moment its own breaker opens until its open duration ends or its trial calls close it again.
     *
     * @param nodes how many nodes must be open, at least 2
     * @return the policy
     * @throws IllegalArgumentException if {@code nodes < 2}
     */
    public static SharingPolicy quorum(int nodes) {
        return new SharingPolicy(checkAtLeast(nodes, 2, "nodes"));
    }

    /**
     * Returns how many open nodes open the breaker everywhere.
     *
     * @return 1 for {@link #ANY_NODE}, {@code k} for {@code quorum(k)}, 0 for {@link #LOCAL_ONLY} (never)
     */
    public int quorum() {
        return quorum;
    }

    /**
     * Returns whether breakers adopt the transitions other nodes write to the store.
     *
     * @return false only for {@link #LOCAL_ONLY}
     */
    public boolean adoptsRemoteState() {
        return quorum > 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SharingPolicy sharingPolicy && sharingPolicy.quorum == quorum;
    }

    @Override
    public int hashCode() {
        return quorum;
    }

    @Override
    public String toString() {
        return quorum == 0 ? "LOCAL_ONLY" : quorum == 1 ? "ANY_NODE" : "QUORUM(" + quorum + ")";
    }
}
