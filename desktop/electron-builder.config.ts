/**
 * The packaging configuration `npm run dist` uses: `electron-builder.yml` (at the repository
 * root) holds everything that never changes between builds; this file adds what the build
 * machine's environment decides, so no feed address or signing identity is written in the
 * repository:
 *
 * - the update feed (`publish`), from `CHAT_PUBLISH_PROVIDER`. electron-builder writes it
 *   into the app as `app-update.yml`; without one the app has no such file and says that
 *   updates are not configured (it never polls a placeholder);
 * - Windows signing, from `CHAT_WIN_SIGN` (Azure Trusted Signing, or a certificate).
 *
 * macOS signing and notarization need nothing here: electron-builder reads `CSC_LINK`,
 * `CSC_KEY_PASSWORD` and the `APPLE_*` variables itself (desktop/README.md, Release).
 *
 * A variable that is set but incomplete or malformed stops the build with the reason: a
 * release that silently ships without updates or unsigned is worse than no release.
 */
import type { Configuration } from 'electron-builder';

/** The two feeds offered (electron-builder's own types for them are not exported here). */
export type FeedConfiguration =
  | { provider: 'github'; owner: string; repo: string; releaseType: 'draft' }
  | { provider: 'generic'; url: string };

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | null {
  const raw = env[name]?.trim();
  return raw ? raw : null;
}

function required(env: Env, names: readonly string[], why: string): string[] {
  const missing = names.filter((name) => value(env, name) === null);
  if (missing.length > 0) throw new Error(`${why} needs ${missing.join(', ')}.`);
  return names.map((name) => value(env, name) ?? '');
}

/**
 * A generic feed: https, or http on loopback (a local feed for testing an update). Never
 * with credentials, which would be readable in every installed copy.
 */
export function genericFeedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`CHAT_UPDATE_URL is not a URL: ${raw}`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new Error('CHAT_UPDATE_URL must be https (or http on 127.0.0.1 for testing).');
  }
  if (url.username || url.password) {
    throw new Error('CHAT_UPDATE_URL must not contain credentials.');
  }
  return url.href;
}

/**
 * `CHAT_PUBLISH_PROVIDER`:
 * - `github`: GitHub releases of `GH_OWNER`/`GH_REPO` (a public repository; `GH_TOKEN` is
 *   what electron-builder uploads with, read by electron-builder itself, never written
 *   into the app). Uploaded to a draft, which installed apps do not see until someone has
 *   checked the signatures and published it;
 * - `generic`: the static server at `CHAT_UPDATE_URL`. Unset with `CHAT_UPDATE_URL` set
 *   means `generic` too;
 * - unset (and no `CHAT_UPDATE_URL`): no feed.
 */
export function publishConfig(env: Env): FeedConfiguration | null {
  const provider =
    value(env, 'CHAT_PUBLISH_PROVIDER') ?? (value(env, 'CHAT_UPDATE_URL') ? 'generic' : null);
  switch (provider) {
    case null:
    case 'none':
      return null;
    case 'github': {
      const [owner, repo] = required(env, ['GH_OWNER', 'GH_REPO'], 'Publishing to GitHub');
      return { provider: 'github', owner: owner ?? '', repo: repo ?? '', releaseType: 'draft' };
    }
    case 'generic': {
      const [url] = required(env, ['CHAT_UPDATE_URL'], 'A generic update feed');
      return { provider: 'generic', url: genericFeedUrl(url ?? '') };
    }
    default:
      throw new Error(`CHAT_PUBLISH_PROVIDER must be github, generic or none, not ${provider}.`);
  }
}

type WindowsSigning = Pick<
  NonNullable<Configuration['win']>,
  'azureSignOptions' | 'signtoolOptions' | 'signAndEditExecutable' | 'verifyUpdateCodeSignature'
>;

/**
 * `CHAT_WIN_SIGN`:
 * - `azure`: Azure Trusted Signing. `AZURE_TRUSTED_SIGNING_ENDPOINT`,
 *   `AZURE_CODE_SIGNING_ACCOUNT_NAME`, `AZURE_CERTIFICATE_PROFILE_NAME` and
 *   `AZURE_PUBLISHER_NAME` (the certificate's subject CN) name the profile;
 *   `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` (or
 *   `AZURE_CLIENT_CERTIFICATE_PATH`) are the service principal the signing module logs in
 *   with (read from the environment by it, never written here);
 * - `certificate`: a `.pfx` in `WIN_CSC_LINK`/`WIN_CSC_KEY_PASSWORD` (or
 *   `CSC_LINK`/`CSC_KEY_PASSWORD`), which electron-builder reads itself, or a certificate
 *   in the machine's store (an EV token) named by `WIN_CSC_SUBJECT_NAME` or `WIN_CSC_SHA1`;
 * - unset: `certificate` when `WIN_CSC_LINK` or `CSC_LINK` is set, else unsigned.
 *
 * Signed builds verify an update's signature (same publisher) before installing it; an
 * unsigned build has no publisher to compare with.
 */
export function windowsSigning(env: Env): WindowsSigning {
  const certificateFile = value(env, 'WIN_CSC_LINK') ?? value(env, 'CSC_LINK');
  const mode = value(env, 'CHAT_WIN_SIGN') ?? (certificateFile ? 'certificate' : null);
  switch (mode) {
    case null:
    case 'none':
      return { signAndEditExecutable: true, verifyUpdateCodeSignature: false };
    case 'azure': {
      const [endpoint, codeSigningAccountName, certificateProfileName, publisherName] = required(
        env,
        [
          'AZURE_TRUSTED_SIGNING_ENDPOINT',
          'AZURE_CODE_SIGNING_ACCOUNT_NAME',
          'AZURE_CERTIFICATE_PROFILE_NAME',
          'AZURE_PUBLISHER_NAME',
        ],
        'Azure Trusted Signing',
      );
      required(env, ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID'], 'Azure Trusted Signing');
      if (!value(env, 'AZURE_CLIENT_SECRET') && !value(env, 'AZURE_CLIENT_CERTIFICATE_PATH')) {
        throw new Error(
          'Azure Trusted Signing needs AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH.',
        );
      }
      if (!(endpoint ?? '').startsWith('https://')) {
        throw new Error('AZURE_TRUSTED_SIGNING_ENDPOINT must be an https URL.');
      }
      return {
        azureSignOptions: {
          endpoint: endpoint ?? '',
          codeSigningAccountName: codeSigningAccountName ?? '',
          certificateProfileName: certificateProfileName ?? '',
          publisherName: publisherName ?? '',
        },
        signAndEditExecutable: true,
        verifyUpdateCodeSignature: true,
      };
    }
    case 'certificate': {
      const subjectName = value(env, 'WIN_CSC_SUBJECT_NAME');
      const sha1 = value(env, 'WIN_CSC_SHA1');
      if (!certificateFile && !subjectName && !sha1) {
        throw new Error(
          'Certificate signing needs WIN_CSC_LINK (or CSC_LINK), WIN_CSC_SUBJECT_NAME or WIN_CSC_SHA1.',
        );
      }
      return {
        // A file comes from the CSC variables, which electron-builder reads itself; a
        // certificate in the store (a hardware token) is chosen by name or thumbprint.
        ...(certificateFile
          ? {}
          : {
              signtoolOptions: {
                ...(subjectName ? { certificateSubjectName: subjectName } : {}),
                ...(sha1 ? { certificateSha1: sha1 } : {}),
              },
            }),
        signAndEditExecutable: true,
        verifyUpdateCodeSignature: true,
      };
    }
    default:
      throw new Error(`CHAT_WIN_SIGN must be azure, certificate or none, not ${mode}.`);
  }
}

/** The whole configuration for one build machine's environment. */
export function releaseConfig(env: Env): Configuration {
  const publish = publishConfig(env);
  return {
    // Paths are relative to where `npm run dist` runs: the repository root.
    extends: 'file:electron-builder.yml',
    win: windowsSigning(env),
    ...(publish ? { publish } : {}),
  };
}

export default releaseConfig(process.env);
