package dev.reliability.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} in virtual time, for a registry's {@code syncExecutor}: delayed and periodic tasks
 * run only when a test {@linkplain #advance advances} the {@link ManualTimeSource}, in the order of their due times, on
 * the test's thread; {@link #execute} runs a task at once on the calling thread (so a bounded wait for the store is
 * answered before it could time out). Deterministic, no threads of its own. Thread-safe.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final ManualTimeSource time;
    private final PriorityQueue<Task<?>> tasks = new PriorityQueue<>();
    private long sequence;
    private boolean shutdown;

    /**
     * Creates a scheduler on a time source.
     *
     * @param time the virtual clock that decides when tasks are due
     */
    public ManualScheduler(ManualTimeSource time) {
        this.time = Objects.requireNonNull(time, "time");
    }

    /**
     * Advances virtual time by {@code duration}, stopping at each task's due time to run it.
     *
     * @param duration how far to advance
     * @return this scheduler
     */
    public ManualScheduler advance(Duration duration) {
        long target = time.nanoTime() + duration.toNanos();
        for (; ; ) {
            Task<?> next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due - target > 0) {
                    break;
                }
                tasks.poll();
            }
            long now = time.nanoTime();
            if (next.due - now > 0) {
                time.advance(Duration.ofNanos(next.due - now));
            }
            next.runOnce();
        }
        long now = time.nanoTime();
        if (target - now > 0) {
            time.advance(Duration.ofNanos(target - now));
        }
        return this;
    }

    /**
     * Runs every task due now, without moving time.
     *
     * @return this scheduler
     */
    public ManualScheduler runDue() {
        return advance(Duration.ZERO);
    }

    /**
     * Returns how many tasks wait, periodic ones included.
     *
     * @return the number of scheduled tasks
     */
    public synchronized int pending() {
        return tasks.size();
    }

    private synchronized <T> Task<T> add(Task<T> task) {
        if (shutdown) {
            throw new RejectedExecutionException("scheduler is shut down");
        }
        tasks.add(task);
        return task;
    }

    @Override
    public void execute(Runnable command) {
        synchronized (this) {
            if (shutdown) {
                throw new RejectedExecutionException("scheduler is shut down");
            }
        }
        command.run();
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(new Task<>(new FutureTask<>(command, null), due(delay, unit), 0L, command));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return add(new Task<>(new FutureTask<>(callable), due(delay, unit), 0L, null));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return add(new Task<>(null, due(initialDelay, unit), unit.toNanos(period), command));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return scheduleAtFixedRate(command, initialDelay, delay, unit);
    }

    private long due(long delay, TimeUnit unit) {
        return time.nanoTime() + Math.max(0L, unit.toNanos(delay));
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        tasks.clear();
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown();
        return new ArrayList<>();
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isShutdown();
    }

    /** A one-shot task (a future) or a periodic one (a runnable and a period). */
    private final class Task<V> implements ScheduledFuture<V> {
        final FutureTask<V> once;
        final long period;
        final Runnable periodic;
        final long seq;
        long due;
        volatile boolean cancelled;

        Task(FutureTask<V> once, long due, long period, Runnable periodic) {
            this.once = once;
            this.due = due;
            this.period = period;
            this.periodic = periodic;
            synchronized (ManualScheduler.this) {
                this.seq = sequence++;
            }
        }

        void runOnce() {
            if (cancelled) {
                return;
            }
            if (period == 0L) {
                once.run();
                return;
            }
            periodic.run();
            synchronized (ManualScheduler.this) {
                if (!cancelled && !shutdown) {
                    due += period;
                    tasks.add(this);
                }
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - time.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Task<?> o = (Task<?>) other;
            int byDue = Long.compare(due - o.due, 0L);
            return byDue != 0 ? byDue : Long.compare(seq, o.seq);
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            cancelled = true;
            synchronized (ManualScheduler.this) {
                tasks.remove(this);
            }
            return once == null || once.cancel(false);
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return cancelled || (once != null && once.isDone());
        }

        @Override
        public V get() throws InterruptedException, java.util.concurrent.ExecutionException {
            if (once == null) {
                throw new java.util.concurrent.CancellationException("a periodic task never completes");
            }
            return once.get();
        }

        @Override
        public V get(long timeout, TimeUnit unit)
                throws InterruptedException, java.util.concurrent.ExecutionException,
                        java.util.concurrent.TimeoutException {
            if (once == null) {
                throw new java.util.concurrent.CancellationException("a periodic task never completes");
            }
            return once.get(timeout, unit);
        }
    }
}
