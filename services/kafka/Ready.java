import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Ready <bootstrap servers> <seconds>: exits 0 once the broker takes a client's requests the way
 * kafkajs makes them: a topic it has just created is in its metadata right away (kafkajs'
 * createTopics with waitForLeaders fails on UNKNOWN_TOPIC_OR_PARTITION). Right after a restart
 * with many topics the broker answers a metadata request for a few seconds before that holds.
 */
public class Ready {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("request.timeout.ms", "5000");
    props.put("default.api.timeout.ms", "10000");
    long end = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
    try (Admin admin = Admin.create(props)) {
      for (int attempt = 1; ; attempt++) {
        String topic = "sluice-ready-" + System.currentTimeMillis();
        try {
          admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
          admin.describeTopics(List.of(topic)).allTopicNames().get();
          admin.deleteTopics(List.of(topic)).all().get();
          System.out.println("ready after " + attempt + " attempt(s)");
          return;
        } catch (ExecutionException e) {
          System.out.println("attempt " + attempt + ": " + e.getCause());
          try {
            admin.deleteTopics(List.of(topic)).all().get();
          } catch (ExecutionException ignored) {
            // not created, or already gone
          }
          if (System.nanoTime() > end) System.exit(1);
          Thread.sleep(500);
        }
      }
    }
  }
}
