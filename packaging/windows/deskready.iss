; Inno Setup 6 script: the Windows installer for the one-folder bundle in dist\deskready.
; packaging\build.ps1 compiles it after PyInstaller, passing every value that changes:
;   ISCC /DAppVersion=<version> /DAppVersionNumeric=<a.b.c.d> /DSourceDir=<dist\deskready>
;        /DOutputDir=<dist> [/DIconFile=<deskready.ico>] packaging\windows\deskready.iss
; The version comes from app\__init__.py through packaging\appinfo.py: never type it here.
; Installs per user by default (no administrator rights needed); an administrator can
; choose "for all users" in the first dialog.

#ifndef AppVersion
  #error AppVersion is not defined: build with packaging\build.ps1
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric "0.0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\deskready"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
; The AppId must never change (appinfo.WINDOWS_APP_GUID): Windows recognises updates by it.
AppId={{FB65DB30-02C9-5853-A2BA-1EF45464BBD5}
AppName=deskready
AppVersion={#AppVersion}
AppVerName=deskready {#AppVersion}
AppPublisher=The deskready authors
AppCopyright=Copyright (c) The deskready authors. MIT licence.
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductVersion={#AppVersionNumeric}
DefaultDirName={autopf}\deskready
DefaultGroupName=deskready
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
; Qt 6 needs 64-bit Windows 10 1809 or later.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir={#OutputDir}
OutputBaseFilename=deskready-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\deskready.exe
UninstallDisplayName=deskready
#ifdef IconFile
SetupIconFile={#IconFile}
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "german"; MessagesFile: "compiler:Languages\German.isl"
Name: "dutch"; MessagesFile: "compiler:Languages\Dutch.isl"
Name: "japanese"; MessagesFile: "compiler:Languages\Japanese.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; A new version may drop files; remove the old bundle's libraries before copying.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
; deskready.exe is a console program that hides its console when started from a shortcut.
Name: "{autoprograms}\deskready"; Filename: "{app}\deskready.exe"; Parameters: "gui"; Comment: "Check your home office before your first shift"
Name: "{autodesktop}\deskready"; Filename: "{app}\deskready.exe"; Parameters: "gui"; Tasks: desktopicon

[Run]
Filename: "{app}\deskready.exe"; Parameters: "gui"; Description: "{cm:LaunchProgram,deskready}"; Flags: nowait postinstall skipifsilent
