// Prints the TOTP code of a base32 secret, computed by the independent `otpauth`
// package: `node totp.mjs <secret> [offsetSeconds]` (6 digits, 30 s, SHA-1).
import * as OTPAuth from 'otpauth';

const [secret, offset = '0'] = process.argv.slice(2);
if (!secret) {
  console.error('usage: node totp.mjs <base32 secret> [offsetSeconds]');
  process.exit(2);
}
const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
process.stdout.write(totp.generate({ timestamp: Date.now() + Number(offset) * 1000 }));
