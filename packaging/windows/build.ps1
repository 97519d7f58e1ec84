<#
.SYNOPSIS
  Windows: the advisor workstation as a one-folder build (PyInstaller), then an MSI (WiX v5).

.DESCRIPTION
  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 -SignCertThumbprint <sha1>
  powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 `
      -SignDlib <Azure.CodeSigning.Dlib.dll> -SignMetadata <metadata.json>

  1. PyInstaller: packaging\advisor-app.spec -> dist\advisor-app\ (advisor-app.exe, a window
     app; advisor-app-cli.exe, the same with a console, for --self-check).
  2. Self-check of the frozen build (no hub: the installation's own checks must pass).
  3. Optional Authenticode signature of the executables, in one of two ways:
     - a certificate in the Windows certificate store, by its SHA-1 thumbprint: a hardware
       token on the bank's build machine, or a PFX that CI imported first (build.yml);
     - a signing service through signtool's /dlib plug-in (Azure Trusted Signing, or an HSM
       vendor's): the key never leaves the service. Public CAs issue code-signing keys only in
       hardware since June 2023, so a hosted runner signs either with an internal CA's PFX or
       through such a service.
     Each signature is checked with `signtool verify /pa` afterwards.
  4. WiX: packaging\windows\advisor-app.wxs -> dist\Videoberatung-<version>-x64.msi, the version
     taken from advisor_app.__version__; signed as well when a certificate is given.

  Needs: Python 3.12+ with .venv set up (python -m venv .venv; .venv\Scripts\pip install -e .[dev]),
  the .NET SDK (for the wix tool), and signtool.exe (Windows SDK) when signing.
#>
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [string]$WixVersion = "5.0.2",
    [string]$SignCertThumbprint = $env:SIGN_CERT_THUMBPRINT,
    [string]$SignDlib = $env:SIGN_DLIB,
    [string]$SignMetadata = $env:SIGN_METADATA,
    [string]$TimestampUrl = "http://timestamp.digicert.com",
    [switch]$SkipSelfCheck
)
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest

$Repo = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Repo
function Say($Text) { Write-Host "== $Text" -ForegroundColor Cyan }
function Invoke-Checked {
    param([string]$Exe, [string[]]$Arguments)
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with exit code $LASTEXITCODE" }
}

# The version: advisor_app.__version__, as the spec reads it; MSI versions are numeric (X.Y.Z).
$Version = & $Python -c "import sys; sys.path.insert(0, 'packaging'); import bundle, pathlib; print(bundle.read_version(pathlib.Path('.')))"
if ($LASTEXITCODE -ne 0) { throw "could not read the version" }
$MsiVersion = & $Python -c "import sys; sys.path.insert(0, 'packaging'); import bundle; print('.'.join(str(n) for n in bundle.numeric_version('$Version')[:3]))"
Say "version $Version (MSI $MsiVersion)"

Say "PyInstaller: packaging\advisor-app.spec -> dist\advisor-app"
Invoke-Checked $Python @("-m", "PyInstaller", "--noconfirm", "--distpath", "dist",
    "--workpath", "build\pyinstaller", "packaging\advisor-app.spec")
$AppDir = Join-Path $Repo "dist\advisor-app"

if (-not $SkipSelfCheck) {
    Say "frozen self-check (advisor-app-cli.exe --self-check, no hub)"
    # The frozen app writes UTF-8 (Python's UTF-8 mode, set in the spec); read it as such.
    [Console]::OutputEncoding = [System.Text.Encoding]::UTF8
    $env:QT_QPA_PLATFORM = "offscreen"
    $Report = & (Join-Path $AppDir "advisor-app-cli.exe") --self-check --hub http://127.0.0.1:9 2>&1 | Out-String
    Remove-Item Env:QT_QPA_PLATFORM
    Write-Host $Report
    $Passed = [string][char]0x2714  # the check mark the report puts before a passed check
    foreach ($Name in @("Multimedia backend", "Video codec", "Credential store",
                        "Application files", "Translations", "Document display")) {
        if (-not $Report.Contains("$Passed $Name")) { throw "the frozen self-check did not pass: $Name" }
    }
}

if ($SignDlib -and -not $SignMetadata) { throw "-SignDlib needs -SignMetadata (the service's metadata.json)" }
if ($SignDlib -and $SignCertThumbprint) { throw "sign with a certificate or a service, not both" }

function Sign-Files([string[]]$Files) {
    if (-not ($SignCertThumbprint -or $SignDlib)) { return }
    $SignTool = (Get-Command signtool.exe -ErrorAction SilentlyContinue).Source
    if (-not $SignTool) { throw "signtool.exe not found (Windows SDK)" }
    if ($SignDlib) {
        $Who = @("/dlib", $SignDlib, "/dmdf", $SignMetadata)
    } else {
        $Who = @("/sha1", $SignCertThumbprint)
    }
    Invoke-Checked $SignTool (@("sign") + $Who + @("/fd", "SHA256", "/tr", $TimestampUrl,
        "/td", "SHA256") + $Files)
    Invoke-Checked $SignTool (@("verify", "/pa") + $Files)
}
Sign-Files @((Join-Path $AppDir "advisor-app.exe"), (Join-Path $AppDir "advisor-app-cli.exe"))

Say "WiX $WixVersion"
if (-not (Get-Command wix -ErrorAction SilentlyContinue)) {
    Invoke-Checked "dotnet" @("tool", "install", "--global", "wix", "--version", $WixVersion)
    $env:PATH = "$env:PATH;$env:USERPROFILE\.dotnet\tools"
}
$Msi = Join-Path $Repo "dist\Videoberatung-$Version-x64.msi"
Invoke-Checked "wix" @("build", "packaging\windows\advisor-app.wxs", "-arch", "x64",
    "-d", "Version=$MsiVersion", "-d", "AppDir=$AppDir", "-o", $Msi)
Sign-Files @($Msi)

$SizeMb = [math]::Round(((Get-ChildItem $AppDir -Recurse | Measure-Object Length -Sum).Sum) / 1MB)
$MsiMb = [math]::Round((Get-Item $Msi).Length / 1MB)
Say "dist\advisor-app: $SizeMb MB installed; $Msi : $MsiMb MB"
Say "silent install: msiexec /i `"$Msi`" /qn HUB_URL=https://hub.bank.example"
