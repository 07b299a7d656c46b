import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/** Serves the MongoDB wire protocol on the given host and port until killed. */
public class Launcher {
  public static void main(String[] args) throws Exception {
    MongoServer server = new MongoServer(new MemoryBackend());
    server.bind(args[0], Integer.parseInt(args[1]));
    System.out.println("mongo-java-server listening on " + args[0] + ":" + args[1]);
    Thread.currentThread().join();
  }
}
