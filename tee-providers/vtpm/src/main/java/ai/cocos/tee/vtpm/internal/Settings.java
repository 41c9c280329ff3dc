package ai.cocos.tee.vtpm.internal;

import ai.cocos.tee.vtpm.AzureSettings;
import ai.cocos.tee.vtpm.VtpmSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Turns component configurations into validated settings; errors name the property. */
final class Settings {
  private Settings() {}

  static VtpmSettings vtpm(
      String device,
      String eventLog,
      String akAlgorithm,
      String akHandle,
      String akCertNvIndex,
      String[] banks) {
    return new VtpmSettings(
        device,
        Path.of(eventLog),
        akAlgorithm,
        hex("akHandle", akHandle),
        hex("akCertNvIndex", akCertNvIndex),
        List.of(banks));
  }

  static VtpmSettings vtpm(VtpmConfig c) {
    return vtpm(
        c.device(), c.eventLog(), c.akAlgorithm(), c.akHandle(), c.akCertNvIndex(), c.banks());
  }

  static AzureSettings azure(long refreshWaitMillis, String tdQuoteUrl, long timeoutMillis) {
    URI url;
    try {
      url = URI.create(tdQuoteUrl);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tdQuoteUrl is not a URL: " + tdQuoteUrl, e);
    }
    return new AzureSettings(
        Duration.ofMillis(refreshWaitMillis), url, Duration.ofMillis(timeoutMillis));
  }

  static long hex(String name, String v) {
    String t = v.trim().toLowerCase(Locale.ROOT);
    if (t.startsWith("0x")) {
      t = t.substring(2);
    }
    try {
      return Long.parseLong(t, 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a hex number, not '" + v + "'", e);
    }
  }
}
