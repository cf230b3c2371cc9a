package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * Sums the rate samples of one partner/resource/action minute before they are shuffled: the rate and volume
 * stages only add a minute's samples up and read the sum when the minute ends, so one sample per minute and
 * watermark step carries what one per judged call did.
 */
public final class RateSampleSums implements LocalCombiner.Combining<RateSample, RateSampleSums.Minute, RateSample> {
    private static final long serialVersionUID = 1L;

    /** One partner/resource/action minute (its fields, not the joined rate key: no string per sample). */
    public record Minute(String partnerId, Resource resource, Action action, long windowStart) {}

    @Override
    public Minute key(RateSample sample) {
        return new Minute(sample.partnerId(), sample.resource(), sample.action(), sample.windowStart());
    }

    /** Where the rate and volume stages judge the minute: its last millisecond. */
    @Override
    public long dueAt(RateSample sample) {
        return RateJudge.lastMillisOf(sample.windowStart());
    }

    @Override
    public RateSample first(RateSample sample) {
        return sample;
    }

    @Override
    public RateSample combine(RateSample sofar, RateSample sample) {
        return new RateSample(sofar.partnerId(), sofar.resource(), sofar.action(), sofar.windowStart(),
                sofar.records() + sample.records());
    }
}
