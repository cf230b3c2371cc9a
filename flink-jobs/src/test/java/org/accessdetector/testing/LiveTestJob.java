package org.accessdetector.testing;

import java.util.List;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveJob;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The live job as its tests run it: the live defaults of `detector run`, topics and a group of its own. */
public final class LiveTestJob {

    private LiveTestJob() {}

    /** The live defaults, with the brokers, and topic names and consumer group ending in {@code suffix}. */
    public static Configuration configuration(String bootstrapServers, String suffix) {
        Configuration conf = new Configuration();
        conf.set(LiveOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        conf.set(LiveOptions.GROUP_ID, "detector" + suffix);
        for (var option : TopicOptions.NAMES) {
            conf.set(option, option.defaultValue() + suffix);
        }
        return LiveJob.withDefaults(conf);
    }

    /** Creates the topics {@code conf} names, as `topics create` does. */
    public static Topics createTopics(Configuration conf) throws Exception {
        Topics topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(conf.get(LiveOptions.BOOTSTRAP_SERVERS))) {
            admin.createOrUpdate(topics);
        }
        return topics;
    }

    /** Submits the live job to the test's MiniCluster and waits until it runs. */
    public static JobClient start(Configuration conf, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        new LiveJob(conf).build(env);
        JobClient job = env.executeAsync(name);
        LiveJob.awaitRunning(job);
        return job;
    }
}
