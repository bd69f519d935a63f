package dev.reliability.lua;

import dev.reliability.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.luaj.vm2.Lua;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * The limits of one sandboxed runtime: an instruction budget, a heap guard and a wall-clock deadline per run.
 *
 * <p>It counts instructions through the per-instruction callback LuaJ makes to its debug library. It replaces the
 * debug library rather than using {@code debug.sethook}, so scripts get no {@code debug} table, errors carry no
 * traceback, and the check costs a counter increment per instruction. Library functions that do work in proportion to
 * their input (patterns, {@code rep}, {@code upper}, globs, ...) {@link #charge} the same budget and {@link #reserve}
 * memory before they allocate, through the guard of the run in progress on their thread ({@link #current()}).
 *
 * <p>A hit limit is sticky: every later check in the same run throws again, so a limit that some Java code swallowed
 * still ends the run at the next instruction.
 */
final class ResourceGuard extends DebugLib {
    /** The largest string or body a library call builds: 16 MiB. */
    static final int MAX_STRING_BYTES = 16 << 20;

    private static final int CLOCK_CHECK_MASK = (1 << 10) - 1;
    private static final int MEMORY_CHECK_MASK = (1 << 14) - 1;
    private static final int HEAP_CHECK_BYTES = 1 << 16;
    private static final int OPCODE_MASK = (1 << Lua.SIZE_OP) - 1;
    private static final int REGISTER_MASK = (1 << 9) - 1;
    private static final long COLLECTION_INTERVAL_NANOS = 1_000_000_000L;
    private static final ThreadLocal<ResourceGuard> CURRENT = new ThreadLocal<>();

    private final long instructionLimit;
    private final double heapLimitFraction;
    private final Duration timeLimit;
    private final TimeSource time;
    private final List<java.util.function.Consumer<Boolean>> atRunEnd = new ArrayList<>();
    private long executed;
    private long deadlineNanos = Long.MAX_VALUE;
    private ScriptLimitError hit;
    private ResourceGuard outer;
    private long lastCollectionNanos;
    private LuaClosure[] closures = new LuaClosure[32];
    private LuaValue[][] stacks = new LuaValue[32][];
    /** Per frame below the innermost, the instruction that made the call above it: the line {@link #where} gives. */
    private int[] callSites = new int[32];
    /** The innermost frame's current instruction. */
    private int pc;

    private int depth;
    /** The code of the innermost frame's closure, or null: read on every instruction, so kept apart. */
    private int[] code;

    /**
     * @param instructionLimit instructions (and units of library work) allowed per run, or 0 for no limit
     * @param heapLimitFraction the share of the maximum heap in use at which a run is stopped
     * @param timeLimit the wall-clock time a run may take, or {@link Duration#ZERO} for no limit
     * @param time the clock the time limit is read from: the registry's, so a virtual clock makes tests exact
     */
    ResourceGuard(long instructionLimit, double heapLimitFraction, Duration timeLimit, TimeSource time) {
        this.instructionLimit = instructionLimit;
        this.heapLimitFraction = heapLimitFraction;
        this.timeLimit = timeLimit;
        this.time = time;
    }

    /** Returns the guard of the sandboxed run in progress on this thread, or null outside one. */
    static ResourceGuard current() {
        return CURRENT.get();
    }

    /** Charges {@code units} of library work to the run in progress on this thread, if any. */
    static void chargeCurrent(long units) {
        ResourceGuard guard = CURRENT.get();
        if (guard != null) {
            guard.charge(units);
        }
    }

    /**
     * Checks, before allocating, that the library function {@code function} may build a result of {@code bytes}
     * bytes, and charges the work of filling it. Outside a sandboxed run only the size cap applies.
     *
     * @throws LuaError if the size passes {@link #MAX_STRING_BYTES}: nothing was allocated, so a script may catch it
     * @throws ScriptLimitError if the heap has no room for it, which ends the run
     */
    static void reserve(double bytes, String function) {
        if (bytes > MAX_STRING_BYTES) {
            throw new LuaError(function + ": result of " + Args.format(bytes) + " bytes exceeds the size limit of "
                    + MAX_STRING_BYTES + " bytes");
        }
        ResourceGuard guard = CURRENT.get();
        if (guard != null) {
            guard.charge(1 + (long) bytes / 8); // copying is cheap next to interpreting: a unit per 8 bytes
            if (bytes >= HEAP_CHECK_BYTES) {
                guard.checkHeap(((long) bytes) * 2); // the bytes, plus the copy a conversion may make
            }
        }
    }

    /** Starts a run on this thread: a fresh budget, a deadline, and this guard as the thread's current one. */
    void begin() {
        executed = 0;
        hit = null;
        outer = CURRENT.get();
        CURRENT.set(this);
        deadlineNanos = timeLimit.isZero() ? Long.MAX_VALUE : time.nanoTime() + timeLimit.toNanos();
    }

    /**
     * Ends the run, however it ends: tells those registered whether it failed (an error or a limit), and restores the
     * thread's outer run, if any.
     */
    void end(boolean failed) {
        try {
            for (java.util.function.Consumer<Boolean> release : atRunEnd) {
                release.accept(failed);
            }
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
            outer = null;
            deadlineNanos = Long.MAX_VALUE;
        }
    }

    /**
     * Sleeps for {@code pause}, or until the deadline of the run in progress on this thread if that comes first, in
     * which case the run ends. Every wait a script can cause (retry waits, lock waits) goes through here.
     */
    static void sleep(TimeSource time, Duration pause) throws InterruptedException {
        ResourceGuard guard = CURRENT.get();
        if (guard == null) {
            time.sleep(pause);
            return;
        }
        guard.charge(0);
        long left = guard.nanosLeft();
        time.sleep(pause.toNanos() < left ? pause : Duration.ofNanos(Math.max(0, left)));
        guard.checkClock();
    }

    /** Returns {@code time} with sleeps that end at the deadline of the run in progress, as {@link #sleep} does. */
    static TimeSource bounded(TimeSource time) {
        return new TimeSource() {
            @Override
            public java.time.Instant instant() {
                return time.instant();
            }

            @Override
            public long nanoTime() {
                return time.nanoTime();
            }

            @Override
            public void sleep(Duration duration) throws InterruptedException {
                ResourceGuard.sleep(time, duration);
            }
        };
    }

    /** Registers something to do whenever a run ends; it is told whether the run failed. */
    void atRunEnd(java.util.function.Consumer<Boolean> release) {
        atRunEnd.add(release);
    }

    /** Returns the nanoseconds left before the run's deadline, or {@link Long#MAX_VALUE} without one. */
    long nanosLeft() {
        return deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos - time.nanoTime();
    }

    /** Adds library work to the instruction count, and checks every limit. */
    void charge(long units) {
        if (hit != null) {
            throw hit;
        }
        executed += units;
        checkBudget();
        checkClock();
    }

    @Override
    public void onInstruction(int pc, Varargs v, int top) {
        this.pc = pc;
        executed++;
        if (hit != null) {
            throw hit;
        }
        checkBudget();
        checkConcat(pc);
        if ((executed & CLOCK_CHECK_MASK) == 0) {
            checkClock();
            if ((executed & MEMORY_CHECK_MASK) == 0) {
                checkHeap(0);
            }
        }
    }

    private void checkBudget() {
        if (instructionLimit > 0 && executed > instructionLimit) {
            throw fail("instruction limit of " + instructionLimit + " exceeded");
        }
    }

    /** Throws if the deadline has passed; library calls that wait call it when they wake. */
    void checkClock() {
        if (deadlineNanos != Long.MAX_VALUE && time.nanoTime() - deadlineNanos >= 0) {
            throw timeUp();
        }
    }

    private ScriptLimitError timeUp() {
        return fail("time limit of " + Args.format(Args.seconds(timeLimit)) + "s exceeded");
    }

    void checkHeap(long more) {
        Runtime runtime = Runtime.getRuntime();
        long limit = (long) (runtime.maxMemory() * heapLimitFraction);
        long used = runtime.totalMemory() - runtime.freeMemory() + more;
        if (used > limit && time.nanoTime() - lastCollectionNanos > COLLECTION_INTERVAL_NANOS) {
            // "In use" counts garbage too; before failing a run, collect once (at most every interval) and look again.
            System.gc();
            lastCollectionNanos = time.nanoTime();
            used = runtime.totalMemory() - runtime.freeMemory() + more;
        }
        if (used > limit) {
            throw fail("memory limit exceeded: " + (used >> 20) + " MiB of heap would be in use, limit " + (limit >> 20)
                    + " MiB");
        }
    }

    private ScriptLimitError fail(String message) {
        if (hit == null) {
            hit = new ScriptLimitError(message);
        }
        return hit;
    }

    /**
     * Before a {@code ..} that joins large strings, checks the heap and charges the copy: one VM instruction could
     * otherwise double a string until the heap is gone, between two periodic checks. It needs the running closure's
     * code and registers, hence the frame stack kept by {@link #onCall} and {@link #onReturn}.
     */
    private void checkConcat(int pc) {
        int[] code = this.code;
        if (code == null || pc >= code.length) {
            return;
        }
        int instruction = code[pc];
        if ((instruction & OPCODE_MASK) != Lua.OP_CONCAT) {
            return;
        }
        LuaValue[] registers = registers(depth - 1);
        int first = (instruction >>> Lua.POS_B) & REGISTER_MASK;
        int last = (instruction >>> Lua.POS_C) & REGISTER_MASK;
        long bytes = 0;
        for (int r = first; r <= last && r < registers.length; r++) {
            LuaValue value = registers[r];
            if (value != null && value.type() == LuaValue.TSTRING) {
                bytes += value.strvalue().length();
            }
        }
        if (bytes >= HEAP_CHECK_BYTES) {
            charge(bytes / 8);
            checkHeap(bytes * 2);
        }
    }

    private LuaValue[] registers(int frame) {
        return stacks[frame];
    }

    @Override
    public void onCall(LuaFunction f) {
        push(null, null); // pcall and xpcall report themselves; onReturn pops them
    }

    @Override
    public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
        push(c, stack);
    }

    private void push(LuaClosure closure, LuaValue[] stack) {
        if (depth == closures.length) {
            closures = java.util.Arrays.copyOf(closures, depth * 2);
            stacks = java.util.Arrays.copyOf(stacks, depth * 2);
            callSites = java.util.Arrays.copyOf(callSites, depth * 2);
        }
        if (depth > 0) {
            callSites[depth - 1] = pc;
        }
        closures[depth] = closure;
        stacks[depth] = stack;
        depth++;
        code = closure == null ? null : closure.p.code;
    }

    @Override
    public void onReturn() {
        if (depth > 0) {
            depth--;
            closures[depth] = null;
            stacks[depth] = null;
            LuaClosure caller = depth > 0 ? closures[depth - 1] : null;
            code = caller == null ? null : caller.p.code;
        }
    }

    /**
     * Lua's position prefix, {@code chunk:line: }, of the function {@code level} calls up from a library function
     * (1: the Lua function that called it), as bytes; empty if that function is not Lua code (such as {@code pcall}) or
     * there is none.
     */
    LuaString where(int level) {
        int frame = depth - level;
        if (level < 1 || frame < 0 || closures[frame] == null) {
            return LuaString.valueOf("");
        }
        Prototype p = closures[frame].p;
        int at = frame == depth - 1 ? pc : callSites[frame];
        String line = p.lineinfo != null && at >= 0 && at < p.lineinfo.length ? String.valueOf(p.lineinfo[at]) : "?";
        LuaString source = p.source != null ? p.source : LuaString.valueOf("?");
        boolean named = source.length() > 0 && (source.luaByte(0) == '@' || source.luaByte(0) == '=');
        LuaString chunk = named
                ? source.substring(1, source.length()) // its bytes
                : LuaString.valueOf(LuaErrors.chunkId(source.tojstring()));
        return LuaErrors.concat(chunk, ":" + line + ": ");
    }

    @Override
    public String traceback(int level) {
        return "";
    }
}
