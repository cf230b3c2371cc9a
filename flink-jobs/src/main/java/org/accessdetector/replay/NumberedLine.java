package org.accessdetector.replay;

/** One line of an input file and its 1-based line number, so a rejected line can be found again. */
public record NumberedLine(long number, String text) {}
