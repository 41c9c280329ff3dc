package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.fail;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.AgentLog;
import ai.cocos.agent.AuthzHeaders;
import ai.cocos.agent.Operation;
import ai.cocos.agent.Role;
import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.AlgorithmSpec;
import ai.cocos.api.computation.DatasetSpec;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.api.computation.ResultConsumer;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.crypto.Sha3;
import ai.cocos.manifest.ManifestSignature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Real keys (made once per JVM), manifests, settings, a settable clock and a recording listener.
 */
final class TestSupport {
  /** Algorithm provider: ECDSA P-256. */
  static final KeyPair ALGO_KEY = PemKeys.generate(KeyType.ECDSA);

  /** Data provider of a.csv: Ed25519. */
  static final KeyPair DATA_A_KEY = PemKeys.generate(KeyType.ED25519);

  /** Data provider of b.csv and the zip: ECDSA P-256. */
  static final KeyPair DATA_B_KEY = PemKeys.generate(KeyType.ECDSA);

  /** First result consumer: RSA-4096. */
  static final KeyPair CONSUMER_1 = PemKeys.generate(KeyType.RSA);

  /** Second result consumer: Ed25519. */
  static final KeyPair CONSUMER_2 = PemKeys.generate(KeyType.ED25519);

  /** Somebody the manifest does not name. */
  static final KeyPair STRANGER = PemKeys.generate(KeyType.ED25519);

  static final byte[] DATA_A = "id,x\n1,10\n2,20\n".getBytes(StandardCharsets.UTF_8);
  static final byte[] DATA_B = "id,y\n1,7\n2,9\n".getBytes(StandardCharsets.UTF_8);

  private static final AtomicInteger IDS = new AtomicInteger();

  private TestSupport() {}

  static PublicKeyPem pem(KeyPair k) {
    return PublicKeyPem.of(k.getPublic().getEncoded());
  }

  static Sha3Hash sha3(byte[] data) {
    return new Sha3Hash(Sha3.digest(data));
  }

  static String newId() {
    return "comp-" + IDS.incrementAndGet();
  }

  static DatasetSpec dataset(String name, byte[] content, KeyPair key, boolean decompress) {
    return new DatasetSpec(sha3(content), pem(key), name, decompress);
  }

  static Manifest manifest(
      String id, byte[] algorithm, List<String> args, List<DatasetSpec> datasets) {
    return manifest(id, algorithm, "bin", args, datasets);
  }

  static Manifest manifest(
      String id, byte[] algorithm, String type, List<String> args, List<DatasetSpec> datasets) {
    return new Manifest(
        id,
        "test " + id,
        "",
        datasets,
        new AlgorithmSpec(sha3(algorithm), pem(ALGO_KEY), type, args),
        List.of(new ResultConsumer(pem(CONSUMER_1)), new ResultConsumer(pem(CONSUMER_2))),
        AgentConfig.DEFAULTS);
  }

  /** The usual manifest: the algorithm, a.csv (key A) and b.csv (key B). */
  static Manifest twoDatasets(String id, byte[] algorithm) {
    return manifest(
        id,
        algorithm,
        List.of(),
        List.of(
            dataset("a.csv", DATA_A, DATA_A_KEY, false),
            dataset("b.csv", DATA_B, DATA_B_KEY, false)));
  }

  /** v1 metadata signing an operation now, as the CLI sends it. */
  static Map<String, List<String>> signed(Manifest m, Operation op, KeyPair key, Clock clock) {
    try {
      return multi(
          AuthzHeaders.sign(
              m.id(),
              ManifestSignature.digest(m),
              op,
              key.getPrivate(),
              clock,
              AuthzHeaders::newNonce));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, List<String>> legacy(Role role, KeyPair key) {
    try {
      return multi(AuthzHeaders.signLegacy(role, key.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, List<String>> multi(Map<String, String> single) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    single.forEach((k, v) -> m.put(k, List.of(v)));
    return m;
  }

  /** A zip of named entries (deflated), as a client would upload for {@code decompress}. */
  static byte[] zip(Map<String, byte[]> entries) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ZipOutputStream z = new ZipOutputStream(bytes)) {
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
          z.putNextEntry(new ZipEntry(e.getKey()));
          z.write(e.getValue());
          z.closeEntry();
        }
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Settings for tests; change fields, then {@link #build()}. */
  static final class Settings {
    Path workDir;
    long maxUploadBytes = 512L * 1024 * 1024;
    long diskReserveBytes = 0;
    Duration runTimeout = Duration.ofSeconds(30);
    Duration resultsTtl = Duration.ofMinutes(5);
    Duration authSkew = Duration.ofSeconds(300);
    boolean legacyAuth = false;
    long maxUnzipBytes = 64L * 1024 * 1024;
    int maxUnzipEntries = 1000;
    int maxNonces = 1000;
    boolean wipeOverwrite = true;
    boolean directIo = true;

    Settings(Path workDir) {
      this.workDir = workDir;
    }

    AgentSettings build() {
      return new AgentSettings(
          workDir,
          maxUploadBytes,
          diskReserveBytes,
          runTimeout,
          resultsTtl,
          authSkew,
          legacyAuth,
          maxUnzipBytes,
          maxUnzipEntries,
          maxNonces,
          wipeOverwrite,
          directIo);
    }
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;

    MutableClock(Instant start) {
      now = new AtomicReference<>(start);
    }

    MutableClock() {
      this(Instant.now());
    }

    void advance(Duration d) {
      now.updateAndGet(i -> i.plus(d));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  /** Records events and logs; waits for them. */
  static final class Recorder implements AgentListener {
    final List<AgentEvent> events = new CopyOnWriteArrayList<>();
    final List<AgentLog> logs = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(AgentEvent event) {
      events.add(event);
      synchronized (this) {
        notifyAll();
      }
    }

    @Override
    public void onLog(AgentLog log) {
      logs.add(log);
    }

    /** "type/status" of each event, in order. */
    List<String> kinds() {
      List<String> k = new ArrayList<>();
      for (AgentEvent e : events) {
        k.add(e.eventType() + "/" + e.status());
      }
      return k;
    }

    AgentEvent await(Predicate<AgentEvent> p, Duration timeout) {
      long end = System.nanoTime() + timeout.toNanos();
      synchronized (this) {
        while (true) {
          for (AgentEvent e : events) {
            if (p.test(e)) {
              return e;
            }
          }
          long left = end - System.nanoTime();
          if (left <= 0) {
            fail("no matching event within " + timeout + "; got " + kinds());
          }
          try {
            wait(Math.max(1, left / 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
          }
        }
      }
    }

    AgentEvent await(String type, String status) {
      return await(
          e -> e.eventType().equals(type) && e.status().equals(status), Duration.ofSeconds(20));
    }
  }
}
