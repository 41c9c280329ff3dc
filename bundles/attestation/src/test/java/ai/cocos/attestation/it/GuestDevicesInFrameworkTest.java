package ai.cocos.attestation.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.attestation.testing.ProviderFramework;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

/**
 * The guest devices inside a real framework (Felix), as the agent in a guest runs them: with the
 * JNA bundle (as the assemblies ship it) an ioctl reaches the C library ({@code /dev/null} answers
 * ENOTTY: no guest driver here); without it the bundle still resolves and only the device fallback
 * fails, saying JNA is missing.
 */
class GuestDevicesInFrameworkTest {
  @TempDir Path storage;

  private static Object open(Bundle b, Path device) throws Throwable {
    Class<?> devices = b.loadClass("ai.cocos.attestation.guest.GuestDevices");
    Object linux = devices.getMethod("linux").invoke(null);
    try {
      return devices.getMethod("open", Path.class).invoke(linux, device);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Test
  void withTheJnaBundleAnIoctlReachesTheKernel() throws Throwable {
    try (ProviderFramework osgi =
        ProviderFramework.start(
            storage.resolve("felix"),
            List.of("bcprov-jdk18on-", "jna-", ProviderFramework.MODULE_CLASSES))) {
      Bundle b = osgi.bundle("ai.cocos.attestation");
      assertEquals(Bundle.ACTIVE, b.getState());
      Object dev = open(b, Path.of("/dev/null"));
      assertEquals(
          osgi.bundle("com.sun.jna"),
          org.osgi.framework.FrameworkUtil.getBundle(b.loadClass("com.sun.jna.Native")),
          "JNA comes from its own bundle");
      Class<?> device = b.loadClass("ai.cocos.attestation.guest.GuestDevice");
      Class<?> buffer = b.loadClass("ai.cocos.attestation.guest.GuestDevice$Buffer");
      Object arg = device.getMethod("allocate", int.class).invoke(dev, 32);
      Method ioctl = device.getMethod("ioctl", long.class, buffer);
      InvocationTargetException e =
          assertThrows(InvocationTargetException.class, () -> ioctl.invoke(dev, 0xC0205300L, arg));
      assertEquals("ai.cocos.attestation.guest.IoctlException", e.getCause().getClass().getName());
      assertEquals(
          "ioctl 0xc0205300 on /dev/null failed: ENOTTY (errno 25, inappropriate ioctl for"
              + " device)",
          e.getCause().getMessage());
      device.getMethod("close").invoke(dev);
    }
  }

  @Test
  void withoutJnaTheBundleResolvesAndTheFallbackSaysWhatIsMissing() throws Throwable {
    try (ProviderFramework osgi =
        ProviderFramework.start(
            storage.resolve("felix"),
            List.of("bcprov-jdk18on-", ProviderFramework.MODULE_CLASSES))) {
      Bundle b = osgi.bundle("ai.cocos.attestation");
      assertEquals(Bundle.ACTIVE, b.getState());
      java.io.IOException e =
          assertThrows(java.io.IOException.class, () -> open(b, Path.of("/dev/null")));
      assertTrue(
          e.getMessage()
              .startsWith(
                  "cannot call the C library to open /dev/null: JNA is not" + " available ("),
          e.getMessage());
      assertTrue(
          e.getMessage().endsWith("the agent assembly ships it as the com.sun.jna bundle"),
          e.getMessage());
    }
  }
}
