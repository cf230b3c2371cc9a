package org.accessdetector.simulate;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link Simulator} run looks like. Immutable; made with {@link #builder()}. Two simulators with equal
 * settings produce identical events, so give an explicit {@link Builder#startTime(long)} when runs must be
 * reproducible (it defaults to the time the settings are built).
 */
public final class SimulationSettings {

    private final long seed;
    private final int partners;
    private final int partnersWithoutAgreement;
    private final int users;
    private final double callsPerSecond;
    private final Duration duration;
    private final long startTime;
    private final double breachFraction;
    private final double redeliveryFraction;
    private final double deniedFraction;
    private final double zipfExponent;
    private final double userSkew;
    private final Duration maxJitter;
    private final Duration maxRedeliveryDelay;
    private final double revocationsPerHour;
    private final Duration revocationPublishDelay;
    private final double burstsPerHour;

    private SimulationSettings(Builder b) {
        this.seed = b.seed;
        this.partners = b.partners;
        this.partnersWithoutAgreement = b.partnersWithoutAgreement;
        this.users = b.users;
        this.callsPerSecond = b.callsPerSecond;
        this.duration = b.duration;
        this.startTime = b.startTime != null ? b.startTime : System.currentTimeMillis();
        this.breachFraction = b.breachFraction;
        this.redeliveryFraction = b.redeliveryFraction;
        this.deniedFraction = b.deniedFraction;
        this.zipfExponent = b.zipfExponent;
        this.userSkew = b.userSkew;
        this.maxJitter = b.maxJitter;
        this.maxRedeliveryDelay = b.maxRedeliveryDelay;
        this.revocationsPerHour = b.revocationsPerHour;
        this.revocationPublishDelay = b.revocationPublishDelay;
        this.burstsPerHour = b.burstsPerHour;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed;
        b.partners = partners;
        b.partnersWithoutAgreement = partnersWithoutAgreement;
        b.users = users;
        b.callsPerSecond = callsPerSecond;
        b.duration = duration;
        b.startTime = startTime;
        b.breachFraction = breachFraction;
        b.redeliveryFraction = redeliveryFraction;
        b.deniedFraction = deniedFraction;
        b.zipfExponent = zipfExponent;
        b.userSkew = userSkew;
        b.maxJitter = maxJitter;
        b.maxRedeliveryDelay = maxRedeliveryDelay;
        b.revocationsPerHour = revocationsPerHour;
        b.revocationPublishDelay = revocationPublishDelay;
        b.burstsPerHour = burstsPerHour;
        return b;
    }

    /** Seeds every random choice. */
    public long seed() {
        return seed;
    }

    /** Partner ids in the run, including {@link #partnersWithoutAgreement()}. */
    public int partners() {
        return partners;
    }

    /** Partners that call the API without any agreement (NO_AGREEMENT breaches). */
    public int partnersWithoutAgreement() {
        return partnersWithoutAgreement;
    }

    /** The user population; user ids are {@code u0} to {@code u<users-1>}. */
    public int users() {
        return users;
    }

    /** The steady rate of calls (bursts and the calls they need come on top). */
    public double callsPerSecond() {
        return callsPerSecond;
    }

    /** How long new calls are generated; null means without end. */
    public Duration duration() {
        return duration;
    }

    /** When the run starts, epoch milliseconds UTC. */
    public long startTime() {
        return startTime;
    }

    /** Share of calls that are injected per-call breaches. */
    public double breachFraction() {
        return breachFraction;
    }

    /** Share of calls that are delivered twice (the same callId again, a little later). */
    public double redeliveryFraction() {
        return redeliveryFraction;
    }

    /** Share of calls the gateway denied (never violations). */
    public double deniedFraction() {
        return deniedFraction;
    }

    /** Skew of traffic over partners: the partner of rank r gets a share proportional to 1/r^s. */
    public double zipfExponent() {
        return zipfExponent;
    }

    /** Skew of activity over users: user index = users * U^k for uniform U; 1 = every user equally active. */
    public double userSkew() {
        return userSkew;
    }

    /** Largest delay between a call's eventTime and its emission (at least 1 ms). */
    public Duration maxJitter() {
        return maxJitter;
    }

    /** Largest delay between a call and its redelivery. */
    public Duration maxRedeliveryDelay() {
        return maxRedeliveryDelay;
    }

    /** How often, on average, a partner's agreement is revoked during the run. */
    public double revocationsPerHour() {
        return revocationsPerHour;
    }

    /** How long after it took effect a late revocation is published. */
    public Duration revocationPublishDelay() {
        return revocationPublishDelay;
    }

    /** How often, on average, a partner bursts past a rate limit. */
    public double burstsPerHour() {
        return burstsPerHour;
    }

    @Override
    public String toString() {
        return "SimulationSettings{seed=" + seed + ", partners=" + partners + ", partnersWithoutAgreement="
                + partnersWithoutAgreement + ", users=" + users + ", callsPerSecond=" + callsPerSecond
                + ", duration=" + duration + ", startTime=" + startTime + ", breachFraction=" + breachFraction
                + ", redeliveryFraction=" + redeliveryFraction + ", deniedFraction=" + deniedFraction
                + ", zipfExponent=" + zipfExponent + ", userSkew=" + userSkew + ", maxJitter=" + maxJitter
                + ", maxRedeliveryDelay=" + maxRedeliveryDelay + ", revocationsPerHour=" + revocationsPerHour
                + ", revocationPublishDelay=" + revocationPublishDelay + ", burstsPerHour=" + burstsPerHour + "}";
    }

    /** Collects settings; {@link #build()} checks them. */
    public static final class Builder {
        private long seed = 1L;
        private int partners = 150;
        private int partnersWithoutAgreement = 2;
        private int users = 2_000_000;
        private double callsPerSecond = 200.0;
        private Duration duration;
        private Long startTime;
        private double breachFraction = 0.02;
        private double redeliveryFraction = 0.001;
        private double deniedFraction = 0.005;
        private double zipfExponent = 1.1;
        private double userSkew = 2.0;
        private Duration maxJitter = Duration.ofSeconds(2);
        private Duration maxRedeliveryDelay = Duration.ofSeconds(30);
        private double revocationsPerHour = 3.0;
        private Duration revocationPublishDelay = Duration.ofMinutes(2);
        private double burstsPerHour = 12.0;

        private Builder() {}

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder partners(int partners) {
            this.partners = partners;
            return this;
        }

        public Builder partnersWithoutAgreement(int n) {
            this.partnersWithoutAgreement = n;
            return this;
        }

        public Builder users(int users) {
            this.users = users;
            return this;
        }

        public Builder callsPerSecond(double callsPerSecond) {
            this.callsPerSecond = callsPerSecond;
            return this;
        }

        /** Null: without end. */
        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder startTime(long epochMillis) {
            this.startTime = epochMillis;
            return this;
        }

        public Builder breachFraction(double fraction) {
            this.breachFraction = fraction;
            return this;
        }

        public Builder redeliveryFraction(double fraction) {
            this.redeliveryFraction = fraction;
            return this;
        }

        public Builder deniedFraction(double fraction) {
            this.deniedFraction = fraction;
            return this;
        }

        public Builder zipfExponent(double exponent) {
            this.zipfExponent = exponent;
            return this;
        }

        public Builder userSkew(double skew) {
            this.userSkew = skew;
            return this;
        }

        public Builder maxJitter(Duration maxJitter) {
            this.maxJitter = maxJitter;
            return this;
        }

        public Builder maxRedeliveryDelay(Duration delay) {
            this.maxRedeliveryDelay = delay;
            return this;
        }

        public Builder revocationsPerHour(double perHour) {
            this.revocationsPerHour = perHour;
            return this;
        }

        public Builder revocationPublishDelay(Duration delay) {
            this.revocationPublishDelay = delay;
            return this;
        }

        public Builder burstsPerHour(double perHour) {
            this.burstsPerHour = perHour;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting out of range */
        public SimulationSettings build() {
            if (partnersWithoutAgreement < 0) {
                throw new IllegalArgumentException("partnersWithoutAgreement must be >= 0, got "
                        + partnersWithoutAgreement);
            }
            if (partners - partnersWithoutAgreement < 5) {
                throw new IllegalArgumentException("at least 5 partners must have an agreement, got partners="
                        + partners + " with partnersWithoutAgreement=" + partnersWithoutAgreement);
            }
            if (partners > 1_000_000) {
                throw new IllegalArgumentException("partners must be at most 1000000, got " + partners);
            }
            if (users < 2) {
                throw new IllegalArgumentException("users must be >= 2, got " + users);
            }
            if (!(callsPerSecond > 0) || Double.isInfinite(callsPerSecond)) {
                throw new IllegalArgumentException("callsPerSecond must be a positive number, got " + callsPerSecond);
            }
            if (duration != null && duration.isNegative()) {
                throw new IllegalArgumentException("duration must not be negative, got " + duration);
            }
            fraction("breachFraction", breachFraction);
            fraction("redeliveryFraction", redeliveryFraction);
            fraction("deniedFraction", deniedFraction);
            if (breachFraction + deniedFraction > 1) {
                throw new IllegalArgumentException("breachFraction + deniedFraction must be at most 1");
            }
            if (!(zipfExponent >= 0) || Double.isInfinite(zipfExponent)) {
                throw new IllegalArgumentException("zipfExponent must be >= 0, got " + zipfExponent);
            }
            if (!(userSkew >= 1) || Double.isInfinite(userSkew)) {
                throw new IllegalArgumentException("userSkew must be >= 1, got " + userSkew);
            }
            Objects.requireNonNull(maxJitter, "maxJitter");
            if (maxJitter.toMillis() < 1 || maxJitter.toMillis() > 60_000) {
                throw new IllegalArgumentException("maxJitter must be from 1 ms to 1 minute, got " + maxJitter);
            }
            Objects.requireNonNull(maxRedeliveryDelay, "maxRedeliveryDelay");
            if (maxRedeliveryDelay.toMillis() < 1 || maxRedeliveryDelay.toHours() > 24) {
                throw new IllegalArgumentException("maxRedeliveryDelay must be from 1 ms to 24 h, got "
                        + maxRedeliveryDelay);
            }
            Objects.requireNonNull(revocationPublishDelay, "revocationPublishDelay");
            if (revocationPublishDelay.isNegative() || revocationPublishDelay.toHours() > 24) {
                throw new IllegalArgumentException("revocationPublishDelay must be from 0 to 24 h, got "
                        + revocationPublishDelay);
            }
            rate("revocationsPerHour", revocationsPerHour);
            rate("burstsPerHour", burstsPerHour);
            return new SimulationSettings(this);
        }

        private static void fraction(String name, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(name + " must be from 0 to 1, got " + value);
            }
        }

        private static void rate(String name, double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(name + " must be >= 0, got " + value);
            }
        }
    }
}
