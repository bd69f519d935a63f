/** Turns JMH JSON results into the Markdown tables of the bench README; used by {@code run.sh}. */
package dev.reliability.bench.report;
