package ai.cocos.tee.tdx.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.attestation.collateral.CollateralCache;
import ai.cocos.attestation.collateral.IntelPcs;
import ai.cocos.tee.tdx.TdxProvider;
import ai.cocos.tee.tdx.TdxSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The TDX provider as an OSGi service ({@code cocos.tee.platform=tdx}). Delegates to {@link
 * TdxProvider}, the same class the CLI uses on a plain class path.
 */
@Component(
    service = TeeProvider.class,
    property = TeeProvider.PLATFORM_PROPERTY + "=" + TeeProvider.TDX)
@Designate(ocd = TdxProviderConfig.class)
public final class TdxProviderComponent implements TeeProvider {
  private final TdxProvider provider;

  /**
   * Activates the provider.
   *
   * @param config the component configuration
   * @throws IllegalArgumentException naming an invalid configuration value
   */
  @Activate
  public TdxProviderComponent(TdxProviderConfig config) {
    this.provider = new TdxProvider(settings(config));
  }

  static TdxSettings settings(TdxProviderConfig config) {
    URI pcs = httpUrl(config.pcsUrl(), "pcsUrl");
    URI certs = httpUrl(config.certificatesUrl(), "certificatesUrl");
    if (config.fetchTimeoutSeconds() < 1) {
      throw new IllegalArgumentException("fetchTimeoutSeconds must be at least 1");
    }
    String cache = config.collateralCache().trim();
    return new TdxSettings(
        Path.of(config.tsmReportDir()),
        Path.of(config.ccelLog()),
        new IntelPcs(pcs, certs),
        cache.isEmpty() ? CollateralCache.defaultLocation() : Path.of(cache),
        config.fetchCollateral(),
        Duration.ofSeconds(config.fetchTimeoutSeconds()));
  }

  private static URI httpUrl(String value, String name) {
    URI u;
    try {
      u = URI.create(value.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " is not a URL: " + value, e);
    }
    if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) {
      throw new IllegalArgumentException(name + " must be an http(s) URL: " + value);
    }
    return u;
  }

  @Override
  public String platform() {
    return provider.platform();
  }

  @Override
  public boolean canGather() {
    return provider.canGather();
  }

  @Override
  public Evidence gather(EvidenceRequest request) throws AttestationException {
    return provider.gather(request);
  }

  @Override
  public Verdict verify(VerificationRequest request) {
    return provider.verify(request);
  }
}
