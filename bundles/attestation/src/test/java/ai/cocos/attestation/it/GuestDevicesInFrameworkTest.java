package ai.cocos.attestation.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.cocos.attestation.testing.ProviderFramework;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

/**
 * The bundle's own copy of JNA inside a real framework (Felix), as the agent in a guest runs it:
 * the bundle resolves without a JNA bundle or AWT, JNA's classes come from the bundle (nothing else
 * may wire to them), its native part unpacks from the bundle, and an ioctl reaches the C library
 * ({@code /dev/null} answers ENOTTY: no guest driver here).
 */
class GuestDevicesInFrameworkTest {
  @TempDir Path storage;

  @Test
  void jnaLoadsFromTheBundleAndReachesTheKernel() throws Exception {
    try (ProviderFramework osgi =
        ProviderFramework.start(
            storage.resolve("felix"),
            List.of("bcprov-jdk18on-", ProviderFramework.MODULE_CLASSES))) {
      Bundle b = osgi.bundle("ai.cocos.attestation");
      assertEquals(Bundle.ACTIVE, b.getState());
      Class<?> nativeClass = b.loadClass("com.sun.jna.Native");
      assertNotSame(ClassLoader.getSystemClassLoader(), nativeClass.getClassLoader());
      assertEquals(
          b.adapt(org.osgi.framework.wiring.BundleWiring.class).getClassLoader(),
          nativeClass.getClassLoader());

      Class<?> devices = b.loadClass("ai.cocos.attestation.guest.GuestDevices");
      Object linux = devices.getMethod("linux").invoke(null);
      Object dev = devices.getMethod("open", Path.class).invoke(linux, Path.of("/dev/null"));
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
}
