package org.accessdetector.detection;

/** A consent check already answered, kept for the late horizon with whether it failed. */
public record JudgedCheck(ConsentCheck check, boolean failed) {}
