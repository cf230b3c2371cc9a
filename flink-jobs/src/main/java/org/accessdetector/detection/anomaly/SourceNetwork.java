package org.accessdetector.detection.anomaly;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The network a source address belongs to for FIRST_SEEN: its /24 (IPv4) or /48 (IPv6). */
public final class SourceNetwork {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private SourceNetwork() {}

    /** The network of an address literal, or null when it is not one (never a name lookup). */
    public static String of(String ip) {
        if (ip == null) {
            return null;
        }
        Matcher m = IPV4.matcher(ip);
        if (m.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return null;
                }
            }
            return Integer.parseInt(m.group(1)) + "." + Integer.parseInt(m.group(2)) + "."
                    + Integer.parseInt(m.group(3)) + ".0/24";
        }
        if (ip.indexOf(':') < 0 || !ip.matches("[0-9A-Fa-f:.]+")) {
            return null; // only literals reach InetAddress, so it never resolves a name
        }
        try {
            InetAddress a = InetAddress.getByName(ip);
            if (!(a instanceof Inet6Address)) {
                return null;
            }
            byte[] b = a.getAddress();
            return String.format("%x:%x:%x::/48", ((b[0] & 0xff) << 8) | (b[1] & 0xff),
                    ((b[2] & 0xff) << 8) | (b[3] & 0xff), ((b[4] & 0xff) << 8) | (b[5] & 0xff));
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
