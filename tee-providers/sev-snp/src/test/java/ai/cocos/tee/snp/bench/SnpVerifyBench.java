package ai.cocos.tee.snp.bench;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainVerifier;
import ai.cocos.attestation.Ecdsa;
import ai.cocos.attestation.collateral.Collateral;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.CollateralItem;
import ai.cocos.attestation.snp.AmdKds;
import ai.cocos.attestation.snp.SnpProduct;
import ai.cocos.attestation.snp.SnpReport;
import ai.cocos.attestation.snp.SnpVerifier;
import ai.cocos.attestation.snp.TcbVersion;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * SEV-SNP verification throughput (operations per second, one thread), on the Genoa vector:
 *
 * <ul>
 *   <li>{@code warm}: the whole provider verification with the VCEK attached and its chain already
 *       verified once (cached by certificate bytes): parse, chain lookups and validity, report
 *       signature (ECDSA P-384, every time), chip, TCB, policy;
 *   <li>{@code warmFromCache}: the same with the VCEK not attached but in the collateral cache (the
 *       usual CLI case after the first verification of a machine's evidence);
 *   <li>{@code cold}: a verifier that caches no certificate signature: everything above plus the
 *       two RSASSA-PSS-4096 chain signatures and the ARK's self-signature;
 *   <li>{@code p384Bc} and {@code p384Jdk}: the report signature alone, with BouncyCastle's
 *       lightweight ECDSA (what the verifier uses) and with the JDK's SunEC.
 * </ul>
 *
 * <p>Run by {@code bench/attestation-snp.sh}, not by the unit tests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SnpVerifyBench {
  private SnpProvider provider;
  private SnpVerifier cold;
  private VerificationRequest attached;
  private VerificationRequest fromCache;
  private PublicKey vcekKey;
  private byte[] signed;
  private byte[] sigP1363;

  /**
   * Loads the vector and warms the caches.
   *
   * @throws Exception if the vectors are missing
   */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path vectors =
        Path.of(
            System.getenv()
                .getOrDefault("COCOS_ATTESTATION_VECTORS", "/work/shared/attestation-vectors"));
    byte[] report = Files.readAllBytes(vectors.resolve("snp/genoa-v3-msft/report.bin"));
    byte[] vcek =
        Certs.der(Certs.readOne(Files.readAllBytes(vectors.resolve("snp/genoa-v3-msft/vcek.pem"))));
    SnpReport r = SnpReport.parse(report);
    Path cache = Files.createTempDirectory("snp-bench-cache");
    new CollateralCache(cache)
        .put(
            new CollateralItem(
                AmdKds.defaults()
                    .vcek(
                        SnpProduct.GENOA,
                        r.chipId(),
                        TcbVersion.decode(r.reportedTcb(), SnpProduct.GENOA)),
                vcek,
                Map.of(),
                Instant.now()));
    provider = new SnpProvider(SnpSettings.defaults().withCollateralCache(cache));
    Policy policy =
        new Policy(
            "snp",
            Map.of(
                "snp",
                Map.of(
                    "measurements",
                    List.of(HexFormat.of().formatHex(r.measurement())),
                    "minimum_tcb",
                    Map.of("bootloader", 10, "snp", 23, "microcode", 84),
                    "vmpl",
                    List.of(0),
                    "products",
                    List.of("Genoa"),
                    "check_crl",
                    false)));
    Instant at = Instant.parse("2026-06-01T00:00:00Z");
    attached =
        new VerificationRequest(
            new Evidence("snp", report, Map.of("vcek", vcek)), policy, at, true);
    fromCache = new VerificationRequest(new Evidence("snp", report, Map.of()), policy, at, true);
    cold = SnpVerifier.amd(Collateral.offline(cache), AmdKds.defaults(), new ChainVerifier(0));
    vcekKey = Certs.readOne(vcek).getPublicKey();
    signed = r.signedBytes();
    sigP1363 = r.signatureP1363();
    for (VerificationRequest q : List.of(attached, fromCache)) {
      Verdict v = provider.verify(q);
      if (!v.passed()) {
        throw new IllegalStateException("benchmark evidence does not verify: " + v.failures());
      }
    }
    if (!cold.verify(attached, Set.of("snp"), Set.of("snp")).passed()) {
      throw new IllegalStateException("cold verification fails");
    }
  }

  /**
   * Whole verification, VCEK attached, chain cached.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict warm() {
    return check(provider.verify(attached));
  }

  /**
   * Whole verification, VCEK from the collateral cache, chain cached.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict warmFromCache() {
    return check(provider.verify(fromCache));
  }

  /**
   * Whole verification, nothing cached but the parsed VCEK extensions.
   *
   * @return the verdict
   */
  @Benchmark
  public Verdict cold() {
    return check(cold.verify(attached, Set.of("snp"), Set.of("snp")));
  }

  /**
   * The report signature with BouncyCastle (what the verifier uses).
   *
   * @return whether it verified
   */
  @Benchmark
  public boolean p384Bc() {
    return Ecdsa.verifyP1363(vcekKey, signed, sigP1363);
  }

  /**
   * The report signature with the JDK's SunEC.
   *
   * @return whether it verified
   * @throws Exception never for this input
   */
  @Benchmark
  public boolean p384Jdk() throws Exception {
    Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
    s.initVerify(vcekKey);
    s.update(signed);
    return s.verify(sigP1363);
  }

  private static Verdict check(Verdict v) {
    if (!v.passed()) {
      throw new IllegalStateException("verification failed in the benchmark: " + v.failures());
    }
    return v;
  }
}
