package org.accessdetector.kafka.local;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real local Kafka broker per test class, on free ports in a temporary folder:
 * {@code @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();}
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private LocalKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        broker = LocalKafkaBroker.builder().build().start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public LocalKafkaBroker broker() {
        return broker;
    }
}
