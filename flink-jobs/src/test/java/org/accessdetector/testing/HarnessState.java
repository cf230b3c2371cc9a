package org.accessdetector.testing;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.State;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;

/**
 * The keyed state of a harness's operator, for harnesses that do not expose it (the keyed broadcast one):
 * how many entries are left, which keys hold a given state, and a key's state as the function sees it.
 */
public final class HarnessState {

    private HarnessState() {}

    @SuppressWarnings("unchecked")
    private static <K> KeyedStateBackend<K> backend(AbstractStreamOperatorTestHarness<?> harness) {
        return (KeyedStateBackend<K>) (KeyedStateBackend<?>) harness.getOperator().getKeyedStateBackend();
    }

    /** Keyed state entries left, over every state and key (as the keyed harnesses count them). */
    public static int entries(AbstractStreamOperatorTestHarness<?> harness) {
        return ((HeapKeyedStateBackend<?>) backend(harness)).numKeyValueStateEntries();
    }

    /** The keys that hold something in the state of that name. */
    public static <K> Set<K> keysWith(AbstractStreamOperatorTestHarness<?> harness, String stateName) {
        try (Stream<K> keys = HarnessState.<K>backend(harness).getKeys(stateName, VoidNamespace.INSTANCE)) {
            return keys.collect(Collectors.toSet());
        }
    }

    /** One key's state, by a descriptor equal to the function's (same name and types). */
    public static <K, S extends State> S of(AbstractStreamOperatorTestHarness<?> harness, K key,
            StateDescriptor<S, ?> descriptor) throws Exception {
        KeyedStateBackend<K> backend = backend(harness);
        backend.setCurrentKey(key);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, descriptor);
    }
}
