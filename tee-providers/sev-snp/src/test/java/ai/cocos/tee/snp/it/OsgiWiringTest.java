package ai.cocos.tee.snp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.Policy;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The bundle in a real OSGi framework (Felix + SCR), as the agent runs it: it resolves against the
 * attestation bundle and BouncyCastle, its component registers a {@link TeeProvider} service with
 * its platform property, and evidence verifies inside the framework. The SPI comes from the system
 * bundle so that the test can call the service.
 */
class OsgiWiringTest {
  @TempDir Path storage;
  private Framework framework;
  private BundleContext ctx;

  static String jar(String prefix) {
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (new File(e).getName().startsWith(prefix) && e.endsWith(".jar")) {
        return new File(e).toURI().toString();
      }
    }
    throw new IllegalStateException(prefix + " is not on the test class path");
  }

  @BeforeEach
  void start() throws Exception {
    Map<String, String> props = new HashMap<>();
    props.put("org.osgi.framework.storage", storage.resolve("felix").toString());
    props.put("org.osgi.framework.storage.clean", "onFirstInit");
    props.put(
        "org.osgi.framework.system.packages.extra",
        "ai.cocos.api;version=1.0.0,ai.cocos.api.tee;version=1.0.0");
    framework =
        ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow().newFramework(props);
    framework.start();
    ctx = framework.getBundleContext();
    List<Bundle> bundles = new ArrayList<>();
    for (String url : BUNDLES) {
      bundles.add(ctx.installBundle(url.startsWith("reference:") ? url : jar(url)));
    }
    for (Bundle b : bundles) {
      b.start();
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (framework != null) {
      framework.stop();
      framework.waitForStop(10_000);
    }
  }

  private TeeProvider provider(String platform) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      Collection<ServiceReference<TeeProvider>> refs =
          ctx.getServiceReferences(
              TeeProvider.class, "(" + TeeProvider.PLATFORM_PROPERTY + "=" + platform + ")");
      if (!refs.isEmpty()) {
        return ctx.getService(refs.iterator().next());
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no TeeProvider service for " + platform);
  }

  private Bundle bundle(String bsn) {
    return List.of(ctx.getBundles()).stream()
        .filter(b -> bsn.equals(b.getSymbolicName()))
        .findFirst()
        .orElseThrow();
  }

  private static final List<String> BUNDLES =
      List.of(
          "org.osgi.util.function-",
          "org.osgi.util.promise-",
          "org.osgi.service.component-",
          "org.apache.felix.scr-",
          "bcprov-jdk18on-",
          "cocos-attestation-",
          "reference:" + Path.of("target", "classes").toAbsolutePath().toUri());

  @Test
  void theProviderRegistersAndVerifiesInsideTheFramework() throws Exception {
    assertEquals(Bundle.ACTIVE, bundle("ai.cocos.tee.snp").getState());
    TeeProvider p = provider("snp");
    assertEquals("snp", p.platform());
    assertFalse(p.canGather(), "no SEV-SNP guest here");
    Path v =
        Path.of(
            System.getenv()
                .getOrDefault("COCOS_ATTESTATION_VECTORS", "/work/shared/attestation-vectors"),
            "snp",
            "turin-v5-msft");
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.isDirectory(v) || System.getenv("CI") != null, "vectors missing");
    Policy policy =
        new Policy(
            "snp",
            Map.of(
                "snp",
                Map.of(
                    "measurements",
                    List.of(
                        "6d6c354511d6f7c6d7504668903dc5bdc066a048b651840d8d03fb85299ebfa142fccf1d1b0baca496841bdf243619d4"),
                    "check_crl",
                    false)));
    Verdict verdict =
        p.verify(
            new VerificationRequest(
                new Evidence(
                    "snp",
                    Files.readAllBytes(v.resolve("report.bin")),
                    Map.of("vcek", Files.readAllBytes(v.resolve("vcek.pem")))),
                policy,
                Instant.parse("2026-06-01T00:00:00Z"),
                true));
    assertTrue(verdict.passed(), () -> verdict.failures().toString());
    // Stopping the bundle withdraws the service.
    bundle("ai.cocos.tee.snp").stop();
    assertTrue(
        ctx.getServiceReferences(TeeProvider.class, "(" + TeeProvider.PLATFORM_PROPERTY + "=snp)")
            .isEmpty());
  }
}
