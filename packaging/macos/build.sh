#!/usr/bin/env bash
# macOS: Videoberatung.app -> signed -> .pkg (for MDM) and .dmg (for people) -> notarized.
#
#   bash packaging/macos/build.sh              build, sign, package, notarize, staple
#   SKIP_NOTARIZE=1 bash packaging/macos/build.sh     everything but notarization (CI without
#                                                      the bank's Apple account)
#   SIGN_IDENTITY=- bash packaging/macos/build.sh     ad-hoc signing for a local trial
#
# The bank's identities (placeholders; set them in the environment or the CI secrets):
#   SIGN_IDENTITY      "Developer ID Application: <Bank> (<TEAMID>)"  signs every binary + the app
#   INSTALLER_IDENTITY "Developer ID Installer: <Bank> (<TEAMID>)"    signs the .pkg
#   NOTARY_PROFILE     a keychain profile made once with
#                      xcrun notarytool store-credentials <profile> --apple-id <id> \
#                        --team-id <TEAMID> --password <app-specific password>
#
# Needs: Xcode command line tools (codesign, pkgbuild, productbuild, hdiutil, xcrun notarytool,
# stapler) and .venv with the project and PyInstaller (bash scripts/setup.sh install).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
python="${PYTHON:-$here/.venv/bin/python}"
say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

SIGN_IDENTITY="${SIGN_IDENTITY:-Developer ID Application: BANK NAME (TEAMID1234)}"
INSTALLER_IDENTITY="${INSTALLER_IDENTITY:-Developer ID Installer: BANK NAME (TEAMID1234)}"
NOTARY_PROFILE="${NOTARY_PROFILE:-videoberatung-notary}"
ENTITLEMENTS="$here/packaging/macos/entitlements.plist"

version=$("$python" -c "import sys; sys.path.insert(0, 'packaging'); import bundle, pathlib; print(bundle.read_version(pathlib.Path('.')))")
bundle_id=$("$python" -c "import sys; sys.path.insert(0, 'packaging'); import bundle; print(bundle.BUNDLE_ID)")
app="$here/dist/Videoberatung.app"
out="$here/dist"
pkg_component="$out/advisor-app-component.pkg"
pkg="$out/Videoberatung-$version.pkg"
dmg="$out/Videoberatung-$version.dmg"

say "PyInstaller: packaging/advisor-app.spec -> $app"
"$python" -m PyInstaller --noconfirm --distpath "$out" --workpath "$here/build/pyinstaller" \
  packaging/advisor-app.spec

# The camera/microphone texts in German and English (the spec adds them as data; make sure).
for lang in de en; do
  if [ ! -f "$app/Contents/Resources/$lang.lproj/InfoPlist.strings" ]; then
    mkdir -p "$app/Contents/Resources/$lang.lproj"
    cp "packaging/macos/$lang.lproj/InfoPlist.strings" "$app/Contents/Resources/$lang.lproj/"
  fi
done
/usr/libexec/PlistBuddy -c "Print :NSCameraUsageDescription" "$app/Contents/Info.plist" >/dev/null
/usr/libexec/PlistBuddy -c "Print :NSMicrophoneUsageDescription" "$app/Contents/Info.plist" >/dev/null

say "frozen self-check (no hub: only the installation's own checks must pass)"
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/advisor-app" --self-check --hub http://127.0.0.1:9 \
  | tee "$out/self-check.txt" || true
for line in "✔ Multimedia backend" "✔ Video codec" "✔ Application files" "✔ Translations" \
    "✔ Document display"; do
  grep -qF "$line" "$out/self-check.txt" || { say "self-check did not report: $line"; exit 1; }
done

# Sign from the inside out: every Mach-O file (dylibs, .so extension modules, Qt frameworks'
# binaries, helper executables), then the app with the entitlements. --timestamp and the hardened
# runtime (--options runtime) are what notarization requires.
say "signing every binary with: $SIGN_IDENTITY"
sign() { codesign --force --timestamp --options runtime --sign "$SIGN_IDENTITY" "$@"; }
while IFS= read -r -d '' file; do
  if file -b "$file" | grep -q 'Mach-O'; then
    sign "$file"
  fi
done < <(find "$app/Contents" -type f ! -path "*/Contents/MacOS/advisor-app" -print0)
# Qt frameworks inside the bundle are signed as bundles too (their Versions/A).
while IFS= read -r -d '' framework; do
  sign "$framework"
done < <(find "$app/Contents" -type d -name '*.framework' -prune -print0)
sign --entitlements "$ENTITLEMENTS" "$app/Contents/MacOS/advisor-app"
sign --entitlements "$ENTITLEMENTS" "$app"
codesign --verify --deep --strict --verbose=2 "$app"
if [ "$SIGN_IDENTITY" != "-" ]; then
  spctl --assess --type execute --verbose "$app" || say "Gatekeeper assessment needs notarization"
fi

say "package: $pkg (installs into /Applications; for MDM / Jamf / Intune)"
# A component plist with BundleIsRelocatable false: the app lands in /Applications, not
# wherever a copy of the same bundle id was found (a --component package would be relocated).
pkg_root="$(mktemp -d)"
ditto "$app" "$pkg_root/$(basename "$app")"
pkgbuild --analyze --root "$pkg_root" "$pkg_root.plist"
plutil -replace 0.BundleIsRelocatable -bool NO "$pkg_root.plist"
pkgbuild --root "$pkg_root" --component-plist "$pkg_root.plist" --install-location /Applications \
  --identifier "$bundle_id" --version "$version" "$pkg_component"
rm -rf "$pkg_root" "$pkg_root.plist"
if [ "$SIGN_IDENTITY" = "-" ]; then
  productbuild --package "$pkg_component" "$pkg"
else
  productbuild --package "$pkg_component" --sign "$INSTALLER_IDENTITY" "$pkg"
fi
rm -f "$pkg_component"

say "disk image: $dmg"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "Videoberatung $version" -srcfolder "$staging" -fs HFS+ \
  -format UDZO -ov "$dmg"
[ "$SIGN_IDENTITY" = "-" ] || codesign --force --timestamp --sign "$SIGN_IDENTITY" "$dmg"

if [ "${SKIP_NOTARIZE:-0}" = 1 ] || [ "$SIGN_IDENTITY" = "-" ]; then
  say "not notarized (SKIP_NOTARIZE=1 or ad-hoc signature)"
else
  for artifact in "$pkg" "$dmg"; do
    say "notarizing $artifact"
    xcrun notarytool submit "$artifact" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$artifact"
    xcrun stapler validate "$artifact"
  done
fi

du -sh "$app" "$pkg" "$dmg"
