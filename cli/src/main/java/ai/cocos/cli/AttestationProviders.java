package ai.cocos.cli;

import ai.cocos.api.tee.TeeProvider;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.IntelPcs;
import ai.cocos.attestation.snp.AmdKds;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import ai.cocos.tee.snp.SnpProvider;
import ai.cocos.tee.snp.SnpSettings;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import ai.cocos.tee.vtpm.AzureVtpmProvider;
import ai.cocos.tee.vtpm.VtpmProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The TEE providers as plain jars, made for one command: which platforms exist, and a provider for
 * one of them with the command's collateral cache, vendor endpoints and network permission. Only
 * the provider asked for is constructed (and its classes loaded), so that a verification starts
 * fast.
 */
final class AttestationProviders {
  /** The platforms {@code validate} and {@code policy create} accept. */
  static final List<String> PLATFORMS =
      List.of("snp", "tdx", "vtpm", "azure-snp-vtpm", "azure-tdx-vtpm", "emulated");

  /** Environment variable naming the collateral cache folder (the providers' own). */
  static final String CACHE_ENV = CollateralCache.ENV;

  /** Environment variable overriding AMD's KDS base URL. */
  static final String KDS_ENV = "COCOS_AMD_KDS_URL";

  /** Environment variable overriding Intel's PCS base URL. */
  static final String PCS_ENV = "COCOS_INTEL_PCS_URL";

  private final Path cache;
  private final boolean fetch;
  private final URI kds;
  private final URI pcs;

  /**
   * Providers for a command.
   *
   * @param cache the collateral cache folder
   * @param fetch whether collateral may be fetched at all (false for {@code --offline})
   * @param kds AMD's KDS
   * @param pcs Intel's PCS (TCB info, QE identity and PCK CRLs)
   */
  AttestationProviders(Path cache, boolean fetch, URI kds, URI pcs) {
    this.cache = cache;
    this.fetch = fetch;
    this.kds = kds;
    this.pcs = pcs;
  }

  /**
   * The command's settings from its environment: {@code COCOS_COLLATERAL_CACHE} (else {@code
   * ~/.cache/cocos/collateral}), {@code COCOS_AMD_KDS_URL}, {@code COCOS_INTEL_PCS_URL}.
   *
   * @param env the environment
   * @param cacheOption {@code --collateral}, or {@code null}
   * @param fetch whether fetching is allowed
   * @return the providers
   * @throws Failure if a URL variable is malformed
   */
  static AttestationProviders from(Function<String, String> env, Path cacheOption, boolean fetch)
      throws Failure {
    Path cache = cacheOption;
    if (cache != null && cache.getFileName().toString().endsWith(".zip")) {
      cache = unzip(cache);
    }
    if (cache == null) {
      String c = env.apply(CACHE_ENV);
      cache = c != null && !c.isBlank() ? Path.of(c.strip()) : defaultCache(env);
    }
    return new AttestationProviders(
        cache, fetch, url(env, KDS_ENV, AmdKds.DEFAULT), url(env, PCS_ENV, IntelPcs.DEFAULT));
  }

  /** An offline bundle zip, imported into a temporary folder removed when the JVM exits. */
  private static Path unzip(Path zip) throws Failure {
    try {
      Path dir = java.nio.file.Files.createTempDirectory("cocos-collateral");
      int n =
          ai.cocos.attestation.collateral.CollateralBundle.importInto(
              zip, new CollateralCache(dir));
      try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
        s.forEach(p -> p.toFile().deleteOnExit());
      }
      dir.toFile().deleteOnExit();
      if (n == 0) {
        throw new Failure(zip + ": the collateral bundle holds no items");
      }
      return dir;
    } catch (java.io.IOException e) {
      throw new Failure("cannot unpack " + zip + ": " + e.getMessage());
    } catch (ai.cocos.attestation.collateral.CollateralException e) {
      throw new Failure(e.getMessage());
    }
  }

  private static Path defaultCache(Function<String, String> env) {
    String xdg = env.apply("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("cocos").resolve("collateral");
  }

  private static URI url(Function<String, String> env, String name, URI fallback) throws Failure {
    String v = env.apply(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      URI u = new URI(v.strip());
      if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) {
        throw new Failure(name + ": '" + v + "' is not an http(s) URL");
      }
      return u;
    } catch (java.net.URISyntaxException e) {
      throw new Failure(name + ": '" + v + "' is not a URL: " + e.getMessage());
    }
  }

  /** The collateral cache folder. */
  Path cache() {
    return cache;
  }

  /** AMD's KDS. */
  URI kds() {
    return kds;
  }

  /** Intel's PCS base. */
  URI pcs() {
    return pcs;
  }

  /**
   * The provider verifying a platform's evidence.
   *
   * @param platform one of {@link #PLATFORMS}
   * @return the provider
   * @throws Failure if the platform is unknown or its provider is not in this build
   */
  TeeProvider provider(String platform) throws Failure {
    return switch (platform) {
      case TeeProvider.SEV_SNP -> snp();
      case TeeProvider.TDX -> tdx();
      case TeeProvider.VTPM -> new VtpmProvider();
      case AzureVtpmProvider.AZURE_SNP_VTPM, AzureVtpmProvider.AZURE_TDX_VTPM ->
          new AzureVtpmProvider(
              platform,
              ai.cocos.tee.vtpm.VtpmSettings.defaults(),
              ai.cocos.tee.vtpm.AzureSettings.defaults(),
              id -> {
                try {
                  return Optional.of(provider(id));
                } catch (Failure e) {
                  return Optional.empty();
                }
              });
      case TeeProvider.EMULATED -> emulated();
      default ->
          throw new Failure(
              "unknown platform '"
                  + platform
                  + "': expected one of "
                  + String.join(", ", PLATFORMS));
    };
  }

  /**
   * The SEV-SNP provider.
   *
   * @return the provider, with this command's cache, KDS and network permission
   */
  SnpProvider snp() {
    SnpSettings d = SnpSettings.defaults();
    return new SnpProvider(
        new SnpSettings(cache, kds, fetch, d.tsmReportDir(), d.sevGuestDevice(), d.vmpl()));
  }

  /**
   * The TDX provider.
   *
   * @return the provider, with this command's cache, PCS and network permission
   */
  TdxProvider tdx() {
    TdxSettings s =
        TdxSettings.defaults()
            .withCollateralCache(cache)
            .withPcs(pcs.equals(IntelPcs.DEFAULT) ? IntelPcs.defaults() : new IntelPcs(pcs, pcs));
    return new TdxProvider(fetch ? s : s.offline());
  }

  /**
   * The emulated provider. Verifying needs no emulated root of its own: the policy pins the root
   * the evidence must chain to (the folder is only where an agent keeps the root it signs with).
   */
  private static TeeProvider emulated() {
    return new EmulatedProvider(EmulatedSettings.in(EmulatedSettings.defaultDir()));
  }
}
