<#
.SYNOPSIS
  Builds the standalone Windows bundle of deskready and its installer.

.DESCRIPTION
  Makes (or reuses) a build venv, installs deskready[bundle] into it, runs PyInstaller on
  packaging\deskready.spec and writes, under -Dist:
    deskready\deskready.exe                       the one-folder app (CLI and desktop app)
    deskready-<version>-windows-x64.zip           that folder, zipped
    deskready-<version>-windows-x64-setup.exe     the installer, when Inno Setup 6 is installed
  The version comes from app\__init__.py through packaging\appinfo.py; nothing here
  repeats it. PortAudio comes from the sounddevice wheel (_sounddevice_data).
  See docs\packaging.md. Not run by the project's CI (it runs on Linux).

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File packaging\build.ps1
  powershell -ExecutionPolicy Bypass -File packaging\build.ps1 -Python "py -3.12" -NoInstaller
#>
[CmdletBinding()]
param(
  # The Python that makes the build venv (64-bit CPython 3.11 or later).
  [string]$Python = "python",
  [string]$Venv = "build\bundle-venv",
  [string]$Dist = "dist",
  [string]$Work = "build\pyinstaller",
  # Skip the Inno Setup installer (the folder and the .zip are still made).
  [switch]$NoInstaller,
  # Empty PyInstaller's cache first.
  [switch]$Clean
)

$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
Set-Location (Join-Path $PSScriptRoot "..")

# Native programs do not raise on failure; stop on a non-zero exit code ourselves.
function Invoke-Native {
  param([Parameter(Mandatory)][string]$Exe, [string[]]$Arguments = @())
  & $Exe @Arguments
  if ($LASTEXITCODE -ne 0) {
    throw "'$Exe $($Arguments -join ' ')' failed with exit code $LASTEXITCODE"
  }
}

$py = Join-Path $Venv "Scripts\python.exe"
if (-not (Test-Path $py)) {
  Write-Host "== venv: creating $Venv"
  $launcher = $Python -split " "
  $launcherArgs = @()
  if ($launcher.Length -gt 1) { $launcherArgs = $launcher[1..($launcher.Length - 1)] }
  Invoke-Native $launcher[0] ($launcherArgs + @("-m", "venv", $Venv))
  Invoke-Native $py @("-m", "pip", "install", "-q", "--upgrade", "pip")
}
Write-Host "== venv: installing deskready[bundle] into $Venv"
Invoke-Native $py @("-m", "pip", "install", "-q", "-e", ".[bundle]")
# The entry points the bundle carries are read from this install's metadata.
Invoke-Native $py @("-m", "pip", "install", "-q", "--no-deps", "-e", ".")

$version = (& $py packaging\appinfo.py version).Trim()
$numeric = (& $py packaging\appinfo.py version-numeric).Trim()
if ($LASTEXITCODE -ne 0 -or -not $version) { throw "packaging\appinfo.py could not read the version" }

Write-Host "== pyinstaller: deskready $version -> $Dist\deskready"
$pyiArgs = @("-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
             "--distpath", $Dist, "--workpath", $Work)
if ($Clean) { $pyiArgs += "--clean" }
$pyiArgs += "packaging\deskready.spec"
Invoke-Native $py $pyiArgs

$app = Join-Path $Dist "deskready"
$exe = Join-Path $app "deskready.exe"
$reported = (& $exe --version | Out-String).Trim()
if ($LASTEXITCODE -ne 0 -or $reported -ne "deskready, version $version") {
  throw "the built deskready.exe does not start (it said: $reported)"
}

$zip = Join-Path $Dist "deskready-$version-windows-x64.zip"
if (Test-Path $zip) { Remove-Item $zip }
Compress-Archive -Path $app -DestinationPath $zip
Write-Host "== zip: $zip"

if (-not $NoInstaller) {
  $candidates = @(
    (Get-Command "ISCC.exe" -ErrorAction SilentlyContinue | ForEach-Object { $_.Source }),
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
  ) | Where-Object { $_ -and (Test-Path $_) }
  if (-not $candidates) {
    Write-Warning "Inno Setup 6 not found (winget install JRSoftware.InnoSetup); no installer made."
  } else {
    $iscc = @($candidates)[0]
    # The spec rendered the icon into PyInstaller's work folder for this spec.
    $icon = Join-Path $Work "deskready\icons\deskready.ico"
    $isccArgs = @("/Q", "/DAppVersion=$version", "/DAppVersionNumeric=$numeric",
                  "/DSourceDir=$((Resolve-Path $app).Path)",
                  "/DOutputDir=$((Resolve-Path $Dist).Path)")
    if (Test-Path $icon) { $isccArgs += "/DIconFile=$((Resolve-Path $icon).Path)" }
    $isccArgs += "packaging\windows\deskready.iss"
    Invoke-Native $iscc $isccArgs
    Write-Host "== installer: $(Join-Path $Dist "deskready-$version-windows-x64-setup.exe")"
  }
}
