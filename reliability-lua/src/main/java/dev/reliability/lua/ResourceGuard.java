package dev.reliability.lua;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * Counts the instructions a script executes and watches the heap, through the per-instruction callback LuaJ makes to
 * its debug library. It replaces the debug library rather than using {@code debug.sethook}, so scripts get no
 * {@code debug} table, errors carry no traceback, and the check costs a counter increment per instruction.
 */
final class ResourceGuard extends DebugLib {
    private static final int MEMORY_CHECK_MASK = (1 << 14) - 1;

    private final long instructionLimit;
    private final double heapLimitFraction;
    private long executed;

    /**
     * @param instructionLimit instructions allowed per run, or 0 for no limit
     * @param heapLimitFraction the share of the maximum heap in use at which a run is stopped
     */
    ResourceGuard(long instructionLimit, double heapLimitFraction) {
        this.instructionLimit = instructionLimit;
        this.heapLimitFraction = heapLimitFraction;
    }

    /** Starts a new run with a fresh instruction budget. */
    void reset() {
        executed = 0;
    }

    @Override
    public void onInstruction(int pc, Varargs v, int top) {
        executed++;
        if (instructionLimit > 0 && executed > instructionLimit) {
            throw new ScriptLimitError("instruction limit of " + instructionLimit + " exceeded");
        }
        if ((executed & MEMORY_CHECK_MASK) == 0) {
            checkHeap();
        }
    }

    void checkHeap() {
        Runtime runtime = Runtime.getRuntime();
        long used = runtime.totalMemory() - runtime.freeMemory();
        if (used > runtime.maxMemory() * heapLimitFraction) {
            throw new ScriptLimitError("memory limit exceeded: " + (used >> 20) + " MiB of heap in use, limit "
                    + (long) (runtime.maxMemory() * heapLimitFraction) / (1 << 20) + " MiB");
        }
    }

    @Override
    public void onCall(LuaFunction f) {}

    @Override
    public void onCall(LuaClosure c, Varargs varargs, org.luaj.vm2.LuaValue[] stack) {}

    @Override
    public void onReturn() {}

    @Override
    public String traceback(int level) {
        return "";
    }
}
