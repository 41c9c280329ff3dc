package ai.cocos.tee.emulated.internal;

import ai.cocos.api.tee.AttestationException;
import ai.cocos.api.tee.Evidence;
import ai.cocos.api.tee.EvidenceRequest;
import ai.cocos.api.tee.TeeProvider;
import ai.cocos.api.tee.Verdict;
import ai.cocos.api.tee.VerificationRequest;
import ai.cocos.tee.emulated.EmulatedProvider;
import ai.cocos.tee.emulated.EmulatedSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;

/** The emulated provider as a DS component: {@code cocos.tee.platform=emulated}. */
@Component(
    service = TeeProvider.class,
    property = TeeProvider.PLATFORM_PROPERTY + "=" + TeeProvider.EMULATED)
@Designate(ocd = EmulatedProviderConfig.class)
public final class EmulatedProviderComponent implements TeeProvider {
  private final EmulatedProvider provider;

  /**
   * Activates the provider (the identity is created on first use, not here).
   *
   * @param config the configuration
   * @throws IllegalArgumentException naming an invalid value
   */
  @Activate
  public EmulatedProviderComponent(EmulatedProviderConfig config) {
    this.provider = new EmulatedProvider(settings(config));
  }

  static EmulatedSettings settings(EmulatedProviderConfig c) {
    List<Path> measured =
        Arrays.stream(c.measuredPaths().split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .map(Path::of)
            .toList();
    byte[] host;
    try {
      host = EmulatedSettings.hex(c.hostData());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("emulated provider: hostData is not hex");
    }
    return new EmulatedSettings(
        c.dir().isBlank() ? EmulatedSettings.defaultDir() : Path.of(c.dir()),
        measured,
        host,
        c.vmpl());
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
