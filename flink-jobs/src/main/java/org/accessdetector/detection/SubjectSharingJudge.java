package org.accessdetector.detection;

import org.accessdetector.typeinfo.RecordTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.rules.ConsentHistory;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The subject's side of a call made for a signed-in user about another user (a friend call), keyed by the
 * subject: whether the subject had turned sharing off at the call. Each friend call goes on at once to its
 * consenting user's {@link CallJudge} with the answer known now; a sharing event of the subject that arrives
 * later and changes the answer for a call sends a correction, which the judge applies before or after
 * judging the call. Either way the call ends judged by the subject's setting at its own time.
 *
 * <p>State, per subject: the friend calls of the retention horizon (call id to its consenting user, time and
 * answer); the subject's sharing events, compacted beyond the horizon to the one in force at its start plus
 * the later ones. One cleanup timer per subject, coalesced.
 */
public class SubjectSharingJudge extends KeyedCoProcessFunction<String, PartnerApiCall, ConsentEvent, UserInput> {
    private static final long serialVersionUID = 1L;

    /** A friend call as kept here: where its judge is, when it happened, and the answer sent. */
    public record FriendCall(String consentingUser, long eventTime, boolean subjectSharingOff) {}

    private final long retention;
    private transient MapState<String, FriendCall> friendCalls;
    private transient ValueState<List<ConsentEvent>> sharingEvents;
    private transient ValueState<Long> nextCleanup;

    public SubjectSharingJudge(DetectorConfig config) {
        this.retention = config.callRetentionMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        friendCalls = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "friend-calls", RecordTypes.inState(Types.STRING), RecordTypes.inState(TypeInformation.of(FriendCall.class))));
        sharingEvents = getRuntimeContext().getState(new ValueStateDescriptor<>(
                "sharing-events", new ListTypeInfo<>(new AvroTypeInfo<>(ConsentEvent.class))));
        nextCleanup = getRuntimeContext().getState(new ValueStateDescriptor<>("next-cleanup", Types.LONG));
    }

    @Override
    public void processElement1(PartnerApiCall call, Context ctx, Collector<UserInput> out) throws Exception {
        boolean off = ConsentHistory.sharingDisabledAt(sharingEvents.value(), call.getEventTime());
        friendCalls.put(call.getCallId(), new FriendCall(UserInput.consentingUser(call), call.getEventTime(), off));
        scheduleCleanup(call.getEventTime(), ctx);
        out.collect(UserInput.call(call, off));
    }

    @Override
    public void processElement2(ConsentEvent sharing, Context ctx, Collector<UserInput> out) throws Exception {
        List<ConsentEvent> events = sharingEvents.value();
        events = events == null ? new ArrayList<>(1) : new ArrayList<>(events);
        events.add(sharing);
        sharingEvents.update(events);
        scheduleCleanup(sharing.getEventTime(), ctx);
        for (Map.Entry<String, FriendCall> e : friendCalls.entries()) {
            FriendCall f = e.getValue();
            if (f.eventTime() >= sharing.getEventTime()) {
                boolean off = ConsentHistory.sharingDisabledAt(events, f.eventTime());
                if (off != f.subjectSharingOff()) {
                    e.setValue(new FriendCall(f.consentingUser(), f.eventTime(), off));
                    out.collect(UserInput.correction(f.consentingUser(), e.getKey(), f.eventTime(), off));
                }
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<UserInput> out) throws Exception {
        long horizonStart = timestamp - retention;
        List<String> expired = new ArrayList<>();
        long oldestKept = Long.MAX_VALUE;
        for (Map.Entry<String, FriendCall> e : friendCalls.entries()) {
            if (e.getValue().eventTime() < horizonStart) {
                expired.add(e.getKey());
            } else {
                oldestKept = Math.min(oldestKept, e.getValue().eventTime());
            }
        }
        for (String id : expired) {
            friendCalls.remove(id);
        }
        List<ConsentEvent> events = sharingEvents.value();
        long newestEvent = Long.MAX_VALUE;
        if (events != null) {
            List<ConsentEvent> kept = ConsentHistory.compactedBefore(events, horizonStart);
            if (kept != events) {
                sharingEvents.update(kept);
            }
            if (kept.size() > 1) {
                newestEvent = kept.stream().mapToLong(ConsentEvent::getEventTime).max().getAsLong();
            }
        }
        nextCleanup.clear();
        long next = Math.min(oldestKept, newestEvent);
        if (next != Long.MAX_VALUE) {
            scheduleCleanup(next, ctx);
        }
    }

    private void scheduleCleanup(long eventTime, Context ctx) throws Exception {
        long due = CallJudge.coalesced(eventTime + retention);
        Long scheduled = nextCleanup.value();
        if (scheduled == null || due < scheduled) {
            if (scheduled != null) {
                ctx.timerService().deleteEventTimeTimer(scheduled);
            }
            ctx.timerService().registerEventTimeTimer(due);
            nextCleanup.update(due);
        }
    }
}
