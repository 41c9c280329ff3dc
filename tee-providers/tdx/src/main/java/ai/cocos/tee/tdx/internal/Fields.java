package ai.cocos.tee.tdx.internal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Typed access to parsed JSON collateral, with errors naming the JSON path. */
final class Fields {
  private final String path;
  private final Map<?, ?> map;

  Fields(String path, Object value) throws CollateralFormatException {
    if (!(value instanceof Map<?, ?> m)) {
      throw new CollateralFormatException(path + " must be a JSON object");
    }
    this.path = path;
    this.map = m;
  }

  String path(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  boolean has(String name) {
    return map.containsKey(name);
  }

  Object raw(String name) throws CollateralFormatException {
    Object v = map.get(name);
    if (v == null) {
      throw new CollateralFormatException(path(name) + " is missing");
    }
    return v;
  }

  String string(String name) throws CollateralFormatException {
    if (!(raw(name) instanceof String s)) {
      throw new CollateralFormatException(path(name) + " must be a string");
    }
    return s;
  }

  long integer(String name) throws CollateralFormatException {
    if (!(raw(name) instanceof Long l) || l < 0) {
      throw new CollateralFormatException(path(name) + " must be a non-negative integer");
    }
    return l;
  }

  int svn(String name) throws CollateralFormatException {
    long v = integer(name);
    if (v > 0xffff) {
      throw new CollateralFormatException(path(name) + " is out of range: " + v);
    }
    return (int) v;
  }

  byte[] hex(String name, int bytes) throws CollateralFormatException {
    String s = string(name);
    if (s.length() != bytes * 2) {
      throw new CollateralFormatException(
          path(name) + " must be " + bytes * 2 + " hex digits, found " + s.length());
    }
    try {
      return HexFormat.of().parseHex(s);
    } catch (IllegalArgumentException e) {
      throw new CollateralFormatException(path(name) + " is not hex");
    }
  }

  Instant instant(String name) throws CollateralFormatException {
    String s = string(name);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new CollateralFormatException(path(name) + " is not an ISO-8601 UTC time: " + s);
    }
  }

  List<?> list(String name) throws CollateralFormatException {
    if (!(raw(name) instanceof List<?> l)) {
      throw new CollateralFormatException(path(name) + " must be an array");
    }
    return l;
  }

  List<String> strings(String name) throws CollateralFormatException {
    if (!has(name)) {
      return List.of();
    }
    List<?> l = list(name);
    for (Object o : l) {
      if (!(o instanceof String)) {
        throw new CollateralFormatException(path(name) + " must hold strings");
      }
    }
    @SuppressWarnings("unchecked")
    List<String> s = (List<String>) l;
    return List.copyOf(s);
  }

  Fields object(String name) throws CollateralFormatException {
    return new Fields(path(name), raw(name));
  }
}
