package ai.cocos.crypto.bench;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.digests.SHA3Digest;

/**
 * Throughput of SHA3-256 on this machine: the JDK's {@code MessageDigest "SHA3-256"} against
 * BouncyCastle's {@code SHA3Digest(256)}. Not a unit test; run by hand:
 *
 * <pre>
 * java -cp target/classes:target/test-classes:BCPROV_JAR ai.cocos.crypto.bench.Sha3Bench [MiB] [rounds]
 * </pre>
 *
 * <p>Hashes {@code MiB} MiB (default 1024) in 1 MiB chunks per round, after a warm-up of the same
 * size, alternating the implementations so neither profits from running last, and prints MB/s (10^6
 * bytes per second) for each round and the best round.
 */
public final class Sha3Bench {
  private static final int CHUNK = 1 << 20;

  private Sha3Bench() {}

  /**
   * Runs the benchmark.
   *
   * @param args optional: MiB per round (default 1024), rounds (default 3)
   * @throws Exception if an algorithm is missing
   */
  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    byte[] chunk = new byte[CHUNK];
    new Random(42).nextBytes(chunk);
    System.out.printf(
        "SHA3-256, %d MiB per round in 1 MiB chunks, %s %s%n",
        mib, System.getProperty("java.vm.name"), System.getProperty("java.version"));

    // Warm-up: enough iterations for C2 to compile both inner loops.
    byte[] a = jdk(chunk, mib);
    byte[] b = bc(chunk, mib);
    if (!MessageDigest.isEqual(a, b)) {
      throw new AssertionError("JDK and BouncyCastle disagree");
    }
    System.out.println("digests agree: " + HexFormat.of().formatHex(a));

    double bestJdk = 0;
    double bestBc = 0;
    for (int r = 1; r <= rounds; r++) {
      double j = rate(mib, () -> jdk(chunk, mib));
      double c = rate(mib, () -> bc(chunk, mib));
      bestJdk = Math.max(bestJdk, j);
      bestBc = Math.max(bestBc, c);
      System.out.printf("round %d: JDK %.0f MB/s, BouncyCastle %.0f MB/s%n", r, j, c);
    }
    System.out.printf("best: JDK %.0f MB/s, BouncyCastle %.0f MB/s%n", bestJdk, bestBc);
  }

  private interface Run {
    byte[] run() throws Exception;
  }

  private static double rate(int mib, Run run) throws Exception {
    long t0 = System.nanoTime();
    run.run();
    long ns = System.nanoTime() - t0;
    return (double) mib * CHUNK / ns * 1e3;
  }

  private static byte[] jdk(byte[] chunk, int mib) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA3-256");
    for (int i = 0; i < mib; i++) {
      md.update(chunk, 0, chunk.length);
    }
    return md.digest();
  }

  private static byte[] bc(byte[] chunk, int mib) {
    SHA3Digest d = new SHA3Digest(256);
    for (int i = 0; i < mib; i++) {
      d.update(chunk, 0, chunk.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
  }
}
