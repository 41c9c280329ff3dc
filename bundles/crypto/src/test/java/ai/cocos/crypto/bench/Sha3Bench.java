package ai.cocos.crypto.bench;

import ai.cocos.crypto.internal.Sha3Digests;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;

/**
 * Throughput of SHA3-256 on this machine: the JDK's {@code MessageDigest "SHA3-256"},
 * BouncyCastle's {@code SHA3Digest(256)} and OpenSSL's through JNA ({@code Sha3Digests}, what the
 * streams use where libcrypto loads). Not a unit test; run by hand:
 *
 * <pre>
 * java -cp target/classes:target/test-classes:BCPROV_JAR:JNA_JAR ai.cocos.crypto.bench.Sha3Bench [MiB] [rounds]
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
    byte[] o = openssl(chunk, mib);
    if (!MessageDigest.isEqual(a, b) || !MessageDigest.isEqual(a, o)) {
      throw new AssertionError("JDK, BouncyCastle and OpenSSL disagree");
    }
    System.out.println("digests agree: " + HexFormat.of().formatHex(a));

    double bestJdk = 0;
    double bestBc = 0;
    double bestOpenssl = 0;
    for (int r = 1; r <= rounds; r++) {
      double j = rate(mib, () -> jdk(chunk, mib));
      double c = rate(mib, () -> bc(chunk, mib));
      double n = rate(mib, () -> openssl(chunk, mib));
      bestJdk = Math.max(bestJdk, j);
      bestBc = Math.max(bestBc, c);
      bestOpenssl = Math.max(bestOpenssl, n);
      System.out.printf(
          "round %d: JDK %.0f MB/s, BouncyCastle %.0f MB/s, OpenSSL (JNA) %.0f MB/s%n", r, j, c, n);
    }
    System.out.printf(
        "best: JDK %.0f MB/s, BouncyCastle %.0f MB/s, OpenSSL (JNA) %.0f MB/s%n",
        bestJdk, bestBc, bestOpenssl);
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

  private static byte[] openssl(byte[] chunk, int mib) {
    if (!Sha3Digests.implementation().equals("openssl")) {
      throw new IllegalStateException("libcrypto's SHA3 did not load");
    }
    Digest d = Sha3Digests.sha3_256();
    for (int i = 0; i < mib; i++) {
      d.update(chunk, 0, chunk.length);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    return out;
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
