package ai.cocos.tee.tdx.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.PolicyDocument;
import ai.cocos.tee.tdx.TdxPolicyTemplate;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Verifications per second of a TDX quote (the Phala v4 vector with its full collateral attached:
 * every finding passes), single-threaded, beside the primitive the warm path is bound by. Not a
 * unit test; run by {@code bench/attestation-tdx.sh}, which prints {@code openssl speed} for the
 * same primitives next to it.
 *
 * <ul>
 *   <li>{@code warm}: one provider, caches warm (verified certificates, QE report, collateral):
 *       what an agent or a relying party verifying many quotes of the same platform does. Still
 *       checks the quote signature, every validity window, the CRLs, the TCB evaluation and the
 *       policy.
 *   <li>{@code cold}: a new provider per verification (every signature checked: 10 ECDSA P-256
 *       verifies, 3 certificate and 2 CRL parses, 2 JSON documents).
 *   <li>{@code p256Jdk}: one JDK {@code SHA256withECDSA} verify of the quote, for scale.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TdxVerifyBench {
  private static final Instant AT = Instant.parse("2025-07-01T00:00:00Z");

  private TdxProvider warm;
  private VerificationRequest request;
  private TdxSettings settings;
  private KeyPair key;
  private byte[] message;
  private byte[] signature;

  /**
   * Loads the vector and warms the provider.
   *
   * @throws Exception if the vectors are missing
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path dir = vectors().resolve("tdx/v4-phala-full-collateral");
    Evidence e =
        new Evidence(
            "tdx",
            Files.readAllBytes(dir.resolve("quote.dat")),
            Map.of(TdxProvider.COLLATERAL, Files.readAllBytes(dir.resolve("collateral.json"))));
    Policy policy = PolicyDocument.parse(TdxPolicyTemplate.json(e));
    request = new VerificationRequest(e, policy, AT, true);
    settings = TdxSettings.defaults().withCollateralCache(null);
    warm = new TdxProvider(settings);
    Verdict v = warm.verify(request);
    if (!v.passed()) {
      throw new IllegalStateException("the benchmark vector does not verify: " + v.failures());
    }
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    key = g.generateKeyPair();
    message = new byte[632];
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key.getPrivate());
    s.update(message);
    signature = s.sign();
  }

  static Path vectors() {
    String env = System.getenv("COCOS_ATTESTATION_VECTORS");
    return Path.of(env == null || env.isBlank() ? "/work/shared/attestation-vectors" : env);
  }

  /**
   * A verification with warm caches.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict warm() {
    return warm.verify(request);
  }

  /**
   * A verification by a fresh provider (nothing cached in the provider; the shared chain cache is
   * bypassed by its own new instance).
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict cold() {
    return ai.cocos.tee.tdx.internal.BenchAccess.coldVerifier().verify(request);
  }

  /**
   * One JDK ECDSA P-256 verify (SunEC), for scale.
   *
   * @return the result
   * @throws Exception never
   */
  @Benchmark
  public boolean p256Jdk() throws Exception {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initVerify(key.getPublic());
    s.update(message);
    return s.verify(signature);
  }
}
