<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="32"/>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="33"/>
        <source>About Videoberatung</source>
        <translation>Über Videoberatung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="34"/>
        <source>Videoberatung %1</source>
        <translation>Videoberatung %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="38"/>
        <source>Free software under the GNU Affero General Public License, version 3 or later (AGPL-3.0-or-later): you may use, study, share and change it. Your IT department has its source code. PyMuPDF, which shows the documents, is AGPL-3.0 or under a commercial licence from Artifex.</source>
        <translation>Freie Software unter der GNU Affero General Public License, Version 3 oder später (AGPL-3.0-or-later): Sie dürfen sie nutzen, untersuchen, weitergeben und ändern. Ihre IT-Abteilung hat den Quellcode. PyMuPDF, das die Dokumente anzeigt, steht unter der AGPL-3.0 oder einer kommerziellen Lizenz von Artifex.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="47"/>
        <source>Third-party licences</source>
        <translation>Lizenzen von Drittanbietern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="50"/>
        <source>The third-party notices are missing from this installation.</source>
        <translation>Die Lizenzhinweise fehlen in dieser Installation.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="54"/>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/about_dialog.py" line="58"/>
        <source>Third-party licences:</source>
        <translation>Lizenzen von Drittanbietern:</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <location filename="../../advisor_app/ui/views/chat_view.py" line="107"/>
        <source>Message from %1: %2</source>
        <translation>Nachricht von %1: %2</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/chat_view.py" line="145"/>
        <location filename="../../advisor_app/ui/views/chat_view.py" line="149"/>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/chat_view.py" line="150"/>
        <source>(sending …)</source>
        <translation>(wird gesendet …)</translation>
    </message>
</context>
<context>
    <name>DocumentCanvas</name>
    <message>
        <location filename="../../advisor_app/ui/views/document_canvas.py" line="94"/>
        <source>Document page</source>
        <translation>Dokumentseite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_canvas.py" line="174"/>
        <source>No document yet. Open one (Ctrl+O), choose one from the library above, or drop a file here. Share shows the page to the customer.</source>
        <translation>Noch kein Dokument. Öffnen Sie eines (Strg+O), wählen Sie eines aus der Bibliothek oben oder ziehen Sie eine Datei hierher. Teilen zeigt die Seite dem Kunden.</translation>
    </message>
</context>
<context>
    <name>DocumentPane</name>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="72"/>
        <source>Documents</source>
        <translation>Dokumente</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="74"/>
        <source>Document tools</source>
        <translation>Dokumentwerkzeuge</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="78"/>
        <source>&amp;Open …</source>
        <translation>Ö&amp;ffnen …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="81"/>
        <source>Document library</source>
        <translation>Dokumentbibliothek</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="82"/>
        <source>Library …</source>
        <translation>Bibliothek …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="89"/>
        <source>Previous page</source>
        <translation>Vorherige Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="92"/>
        <source>Page</source>
        <translation>Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="95"/>
        <source>Next page</source>
        <translation>Nächste Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="98"/>
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="99"/>
        <source>Fit width</source>
        <translation>Seitenbreite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="100"/>
        <source>Fit page</source>
        <translation>Ganze Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="106"/>
        <source>Share with customer</source>
        <translation>Mit Kunde teilen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="122"/>
        <source>Marking tools</source>
        <translation>Markierwerkzeuge</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="128"/>
        <source>Pointer</source>
        <translation>Zeiger</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="129"/>
        <source>Pen</source>
        <translation>Stift</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="130"/>
        <source>Highlighter</source>
        <translation>Textmarker</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="131"/>
        <source>Numbered pin</source>
        <translation>Nummerierte Markierung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="132"/>
        <source>Eraser</source>
        <translation>Radierer</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="147"/>
        <source>Colour</source>
        <translation>Farbe</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="149"/>
        <source>Red</source>
        <translation>Rot</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="150"/>
        <source>Blue</source>
        <translation>Blau</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="151"/>
        <source>Green</source>
        <translation>Grün</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="152"/>
        <source>Black</source>
        <translation>Schwarz</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="153"/>
        <source>Yellow</source>
        <translation>Gelb</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="159"/>
        <source>Line width</source>
        <translation>Linienstärke</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="161"/>
        <source>Thin</source>
        <translation>Dünn</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="162"/>
        <source>Medium</source>
        <translation>Mittel</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="163"/>
        <source>Thick</source>
        <translation>Dick</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="170"/>
        <source>Pin label (optional)</source>
        <translation>Beschriftung (optional)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="171"/>
        <source>Label for the next pin</source>
        <translation>Beschriftung der nächsten Markierung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="176"/>
        <source>Undo</source>
        <translation>Rückgängig</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="179"/>
        <source>Redo</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="182"/>
        <source>Clear page</source>
        <translation>Seite leeren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="202"/>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="214"/>
        <source>Document view</source>
        <translation>Dokumentansicht</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="217"/>
        <source>Document message</source>
        <translation>Hinweis zum Dokument</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="223"/>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="586"/>
        <source>The customer sees this page</source>
        <translation>Kunde sieht diese Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="225"/>
        <source>Sharing</source>
        <translation>Teilen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="294"/>
        <source>Open document</source>
        <translation>Dokument öffnen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="296"/>
        <source>Documents and images (%1)</source>
        <translation>Dokumente und Bilder (%1)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="317"/>
        <source>Opening %1 …</source>
        <translation>%1 wird geöffnet …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="327"/>
        <source>This PDF is protected. Password:</source>
        <translation>Dieses PDF ist geschützt. Passwort:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="329"/>
        <source>Wrong password. Try again:</source>
        <translation>Falsches Passwort. Bitte erneut eingeben:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="332"/>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="341"/>
        <source>Not opened: the password is needed.</source>
        <translation>Nicht geöffnet: Das Passwort wird benötigt.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/document_pane.py" line="348"/>
        <source>%1: %n page(s)</source>
        <translation>
            <numerusform>%1: %n Seite</numerusform>
            <numerusform>%1: %n Seiten</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="359"/>
        <source>The file is damaged or not a document this program can show.</source>
        <translation>Die Datei ist beschädigt oder kein Dokument, das dieses Programm zeigen kann.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="362"/>
        <source>This kind of file cannot be shown. Use PDF, PNG, JPEG or SVG.</source>
        <translation>Diese Dateiart kann nicht gezeigt werden. Verwenden Sie PDF, PNG, JPEG oder SVG.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="364"/>
        <source>The file is too large to show.</source>
        <translation>Die Datei ist zu groß, um sie zu zeigen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="366"/>
        <source>The page took too long to draw; it may be damaged or very complex.</source>
        <translation>Die Seite brauchte zu lange zum Zeichnen; sie ist vielleicht beschädigt oder sehr aufwendig.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="368"/>
        <source>The document has no such page.</source>
        <translation>Das Dokument hat diese Seite nicht.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="369"/>
        <source>The PDF needs a password.</source>
        <translation>Das PDF braucht ein Passwort.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="370"/>
        <source>Wrong password.</source>
        <translation>Falsches Passwort.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="380"/>
        <source>Page %1</source>
        <translation>Seite %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="517"/>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="535"/>
        <source>The consultation has ended; its documents were closed.</source>
        <translation>Die Beratung ist beendet; ihre Dokumente wurden geschlossen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="566"/>
        <source>Page %1 of %2</source>
        <translation>Seite %1 von %2</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="571"/>
        <source>shared with the customer</source>
        <translation>mit der Kundin oder dem Kunden geteilt</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="571"/>
        <source>not shared</source>
        <translation>nicht geteilt</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="574"/>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="584"/>
        <source>shared, waiting for the customer&apos;s connection</source>
        <translation>geteilt, wartet auf die Verbindung der Kundin oder des Kunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="534"/>
        <location filename="../../advisor_app/ui/views/document_pane.py" line="577"/>
        <source>No document</source>
        <translation>Kein Dokument</translation>
    </message>
</context>
<context>
    <name>ErrorReporter</name>
    <message>
        <location filename="../../advisor_app/ui/runtime/bug_report.py" line="97"/>
        <source>Unexpected error</source>
        <translation>Unerwarteter Fehler</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/runtime/bug_report.py" line="98"/>
        <source>Something went wrong that should not have. The details are in the log file:</source>
        <translation>Etwas ist schiefgegangen, das nicht hätte passieren dürfen. Die Einzelheiten stehen in der Protokolldatei:</translation>
    </message>
</context>
<context>
    <name>FileProblems</name>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="72"/>
        <location filename="../../advisor_app/ui/problems.py" line="73"/>
        <source>you may not write to that folder</source>
        <translation>Sie dürfen in diesen Ordner nicht schreiben</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="74"/>
        <source>that drive cannot be written to</source>
        <translation>Auf dieses Laufwerk kann nicht geschrieben werden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="75"/>
        <source>the drive is full</source>
        <translation>Das Laufwerk ist voll</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="76"/>
        <source>that folder does not exist</source>
        <translation>Diesen Ordner gibt es nicht</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="77"/>
        <source>the file name is too long</source>
        <translation>Der Dateiname ist zu lang</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="78"/>
        <source>a folder has that name</source>
        <translation>Ein Ordner hat diesen Namen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="89"/>
        <source>the file could not be written</source>
        <translation>Die Datei konnte nicht geschrieben werden</translation>
    </message>
</context>
<context>
    <name>HubErrors</name>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="34"/>
        <source>The hub could not read the request. Please report this to IT.</source>
        <translation>Der Dienst konnte die Anfrage nicht lesen. Bitte melden Sie das der IT.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="35"/>
        <source>The hub did not accept an entry in the request. Check your input and try again.</source>
        <translation>Der Dienst hat eine Angabe in der Anfrage nicht angenommen. Prüfen Sie Ihre Eingabe und versuchen Sie es erneut.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="36"/>
        <source>The hub does not know this request. The workstation and the hub may be of different versions; please tell IT.</source>
        <translation>Der Dienst kennt diese Anfrage nicht. Arbeitsplatz und Dienst haben womöglich verschiedene Versionen; bitte sagen Sie der IT Bescheid.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="37"/>
        <source>That is too large for the hub.</source>
        <translation>Das ist für den Dienst zu groß.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="38"/>
        <source>The customer&apos;s consent is missing.</source>
        <translation>Die Einwilligung der Kundin oder des Kunden fehlt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="39"/>
        <source>The consultation service is closed right now.</source>
        <translation>Die Videoberatung ist gerade geschlossen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="40"/>
        <source>Your sign-in has expired. Please sign in again.</source>
        <translation>Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="41"/>
        <source>You are not allowed to do this.</source>
        <translation>Das dürfen Sie nicht.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="42"/>
        <source>The hub could not find it: the customer has left or it was removed.</source>
        <translation>Der Dienst findet das nicht: Die Person ist gegangen oder es wurde entfernt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="43"/>
        <source>Someone else was quicker: another advisor has just taken this customer or changed this.</source>
        <translation>Jemand war schneller: Eine andere Beraterin oder ein anderer Berater hat die Person gerade angenommen oder dies geändert.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="44"/>
        <source>Too many requests. Wait a moment, then try again.</source>
        <translation>Zu viele Anfragen. Warten Sie einen Moment und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="45"/>
        <source>That is no longer there: the customer&apos;s place or the consultation has ended.</source>
        <translation>Das gibt es nicht mehr: Der Platz in der Warteschlange oder die Beratung ist beendet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="46"/>
        <source>That is not possible right now.</source>
        <translation>Das ist gerade nicht möglich.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="47"/>
        <source>The hub cannot store anything right now. Try again later; if it persists, tell IT.</source>
        <translation>Der Dienst kann gerade nichts speichern. Versuchen Sie es später erneut; bleibt es so, sagen Sie der IT Bescheid.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="48"/>
        <source>The hub ran into an error and did nothing. Try again; if it persists, tell IT.</source>
        <translation>Beim Dienst ist ein Fehler aufgetreten, nichts wurde ausgeführt. Versuchen Sie es erneut; bleibt es so, sagen Sie der IT Bescheid.</translation>
    </message>
</context>
<context>
    <name>InboxModel</name>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="129"/>
        <source>Received</source>
        <translation>Eingang</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="129"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="129"/>
        <source>Phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="129"/>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
</context>
<context>
    <name>InboxView</name>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="39"/>
        <source>Messages from customers</source>
        <translation>Nachrichten von Kundinnen und Kunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="49"/>
        <source>Message text</source>
        <translation>Nachrichtentext</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="51"/>
        <source>Show &amp;done</source>
        <translation>Erledigte &amp;zeigen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="52"/>
        <source>Show messages marked done</source>
        <translation>Als erledigt markierte Nachrichten zeigen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="54"/>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="56"/>
        <source>Refresh messages</source>
        <translation>Nachrichten aktualisieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="58"/>
        <source>&amp;Copy phone number</source>
        <translation>Telefonnummer &amp;kopieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="60"/>
        <source>Copy phone number</source>
        <translation>Telefonnummer kopieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="62"/>
        <source>&amp;Mark done</source>
        <translation>Als e&amp;rledigt markieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="64"/>
        <source>Mark message done</source>
        <translation>Nachricht als erledigt markieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="75"/>
        <source>No messages. When every advisor is busy, customers can leave a message with their phone number; it appears here. Call back, then mark it done.</source>
        <translation>Keine Nachrichten. Sind alle Berater beschäftigt, können Kunden eine Nachricht mit ihrer Telefonnummer hinterlassen; sie erscheint hier. Rufen Sie zurück und markieren Sie sie dann als erledigt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="119"/>
        <source>Done by %1 on %2</source>
        <translation>Erledigt von %1 am %2</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/inbox_view.py" line="154"/>
        <source>Phone number copied.</source>
        <translation>Telefonnummer kopiert.</translation>
    </message>
</context>
<context>
    <name>LocalMedia</name>
    <message>
        <location filename="../../advisor_app/ui/media/devices.py" line="293"/>
        <source>No camera found: the customer sees a test picture instead.</source>
        <translation>Keine Kamera gefunden: Die Kundin oder der Kunde sieht stattdessen ein Testbild.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/media/devices.py" line="298"/>
        <source>Echo cancellation and noise suppression are not available: the customer hears your microphone unprocessed. Use a headset.</source>
        <translation>Echo- und Rauschunterdrückung sind nicht verfügbar: Die Kundin oder der Kunde hört Ihr Mikrofon unbearbeitet. Verwenden Sie ein Headset.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/media/devices.py" line="311"/>
        <source>No microphone found: the customer hears a test tone.</source>
        <translation>Kein Mikrofon gefunden: Die Kundin oder der Kunde hört einen Testton.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/media/devices.py" line="313"/>
        <source>No speaker found: the customer cannot be heard.</source>
        <translation>Kein Lautsprecher gefunden: Die Kundin oder der Kunde ist nicht zu hören.</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="59"/>
        <source>Videoberatung – sign in</source>
        <translation>Videoberatung – Anmeldung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="60"/>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="105"/>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="106"/>
        <source>Sign in</source>
        <translation>Anmelden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="63"/>
        <source>Hub address</source>
        <translation>Adresse des Beratungsdienstes</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="67"/>
        <source>Set by your IT department</source>
        <translation>Von Ihrer IT-Abteilung festgelegt</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="69"/>
        <source>User name</source>
        <translation>Benutzername</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="72"/>
        <source>Password</source>
        <translation>Passwort</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="73"/>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="74"/>
        <source>Stay signed in</source>
        <translation>Angemeldet bleiben</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="78"/>
        <source>Your IT department has switched this off.</source>
        <translation>Ihre IT-Abteilung hat das abgeschaltet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="82"/>
        <source>Not available: this computer has no secure credential store.</source>
        <translation>Nicht verfügbar: Dieser Computer hat keinen sicheren Anmeldedatenspeicher.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="92"/>
        <source>Sign-in message</source>
        <translation>Hinweis zur Anmeldung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="96"/>
        <source>&amp;Hub:</source>
        <translation>&amp;Dienst:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="97"/>
        <source>&amp;User name:</source>
        <translation>&amp;Benutzername:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="98"/>
        <source>&amp;Password:</source>
        <translation>&amp;Passwort:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="108"/>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="109"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="114"/>
        <source>Videoberatung</source>
        <translation>Videoberatung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="126"/>
        <source>Bank logo</source>
        <translation>Logo der Bank</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="128"/>
        <source>Video advice for your customers. Sign in to start.</source>
        <translation>Videoberatung für Ihre Kunden. Melden Sie sich an, um zu beginnen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="153"/>
        <source>Enter the hub address and your user name.</source>
        <translation>Geben Sie die Adresse des Dienstes und Ihren Benutzernamen ein.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/login_dialog.py" line="156"/>
        <source>Enter your password.</source>
        <translation>Geben Sie Ihr Passwort ein.</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <location filename="../../advisor_app/ui/app.py" line="377"/>
        <source>Videoberatung</source>
        <translation>Videoberatung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/app.py" line="372"/>
        <source>The workstation is already running.</source>
        <translation>Der Beratungsarbeitsplatz läuft bereits.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../advisor_app/ui/app.py" line="302"/>
        <source>Saved: applies from the next consultation.</source>
        <translation>Gespeichert: gilt ab der nächsten Beratung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="79"/>
        <source>Videoberatung – %1</source>
        <translation>Videoberatung – %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="90"/>
        <source>Work areas</source>
        <translation>Arbeitsbereiche</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="91"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="264"/>
        <source>&amp;Queue</source>
        <translation>&amp;Warteschlange</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="92"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="450"/>
        <source>&amp;Inbox</source>
        <translation>Nachr&amp;ichten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="98"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="102"/>
        <source>Presence</source>
        <translation>Anwesenheit</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="103"/>
        <source>Available</source>
        <translation>Verfügbar</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="104"/>
        <source>Away</source>
        <translation>Abwesend</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="105"/>
        <source>Busy</source>
        <translation>Beschäftigt</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="107"/>
        <source>Presence:</source>
        <translation>Anwesenheit:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="111"/>
        <source>Wrap-up</source>
        <translation>Nachbearbeitung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="112"/>
        <source>Available &amp;now</source>
        <translation>&amp;Jetzt verfügbar</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="114"/>
        <source>End the wrap-up and take customers again.</source>
        <translation>Die Nachbearbeitung beenden und wieder Kunden annehmen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="130"/>
        <source>Sign &amp;out</source>
        <translation>Ab&amp;melden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="141"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="148"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="154"/>
        <source>Queue</source>
        <translation>Warteschlange</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="159"/>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="175"/>
        <source>&amp;Help</source>
        <translation>Hi&amp;lfe</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="176"/>
        <source>&amp;About Videoberatung</source>
        <translation>Ü&amp;ber Videoberatung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="184"/>
        <source>Connection to the hub</source>
        <translation>Verbindung zum Dienst</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="187"/>
        <source>Device notice</source>
        <translation>Hinweis zu Geräten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="192"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="286"/>
        <source>Microphone unprocessed: echo cancellation is not available</source>
        <translation>Mikrofon unbearbeitet: Echounterdrückung nicht verfügbar</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="194"/>
        <source>Device missing: test picture or tone in use</source>
        <translation>Gerät fehlt: Testbild oder Testton aktiv</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="81"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="208"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="313"/>
        <source>Videoberatung</source>
        <translation>Videoberatung</translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="264"/>
        <source>&amp;Queue (%n)</source>
        <translation>
            <numerusform>&amp;Warteschlange (%n)</numerusform>
            <numerusform>&amp;Warteschlange (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="268"/>
        <source>%n person(s) waiting.</source>
        <translation>
            <numerusform>%n Person wartet.</numerusform>
            <numerusform>%n Personen warten.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="268"/>
        <source>Nobody is waiting.</source>
        <translation>Niemand wartet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="299"/>
        <source>Hub: offline</source>
        <translation>Dienst: nicht verbunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="300"/>
        <source>Hub: connecting …</source>
        <translation>Dienst: Verbindung wird aufgebaut …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="301"/>
        <source>Hub: connected</source>
        <translation>Dienst: verbunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="302"/>
        <source>Hub: connection lost, reconnecting …</source>
        <translation>Dienst: Verbindung unterbrochen, wird wiederhergestellt …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="303"/>
        <source>Hub: signed out, please sign in again</source>
        <translation>Dienst: abgemeldet, bitte neu anmelden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="309"/>
        <source>%1 is waiting.</source>
        <translation>%1 wartet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="313"/>
        <source>A customer is waiting.</source>
        <translation>Eine Kundin oder ein Kunde wartet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="392"/>
        <source>Wrap-up over: you are available again.</source>
        <translation>Nachbearbeitung vorbei: Sie sind wieder verfügbar.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="400"/>
        <source>Wrap-up – %1 left</source>
        <translation>Nachbearbeitung – noch %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="479"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="481"/>
        <source>Sign out</source>
        <translation>Abmelden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="480"/>
        <source>A consultation is in progress. Sign out and end it?</source>
        <translation>Eine Beratung läuft. Abmelden und die Beratung beenden?</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="490"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="492"/>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="491"/>
        <source>A consultation is in progress. Quit and end it?</source>
        <translation>Eine Beratung läuft. Programm beenden und die Beratung beenden?</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="164"/>
        <location filename="../../advisor_app/ui/views/main_window.py" line="427"/>
        <source>Consultation</source>
        <translation>Beratung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="123"/>
        <source>Se&amp;ttings …</source>
        <translation>&amp;Einstellungen …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="153"/>
        <source>&amp;Go</source>
        <translation>Ansic&amp;ht</translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="450"/>
        <source>&amp;Inbox (%n)</source>
        <translation>
            <numerusform>Nachr&amp;ichten (%n)</numerusform>
            <numerusform>Nachr&amp;ichten (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="453"/>
        <source>%n new message(s).</source>
        <translation>
            <numerusform>%n neue Nachricht.</numerusform>
            <numerusform>%n neue Nachrichten.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="453"/>
        <source>No messages.</source>
        <translation>Keine Nachrichten.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/main_window.py" line="459"/>
        <source>New message from %1.</source>
        <translation>Neue Nachricht von %1.</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="19"/>
        <source>Wrong user name or password.</source>
        <translation>Benutzername oder Passwort ist falsch.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="20"/>
        <source>Too many failed sign-ins. Wait a few minutes, then try again.</source>
        <translation>Zu viele fehlgeschlagene Anmeldungen. Warten Sie einige Minuten und versuchen Sie es dann erneut.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="21"/>
        <source>The hub cannot be reached. Check the hub address and the network connection.</source>
        <translation>Der Dienst ist nicht erreichbar. Prüfen Sie die Adresse des Dienstes und die Netzwerkverbindung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="22"/>
        <source>The hub refused this request.</source>
        <translation>Der Dienst hat diese Anfrage abgelehnt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="23"/>
        <source>Your sign-in has expired. Please sign in again.</source>
        <translation>Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich neu an.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="24"/>
        <source>Nobody is waiting.</source>
        <translation>Niemand wartet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="25"/>
        <source>This customer has just been taken by another advisor or has left.</source>
        <translation>Diese Person wurde gerade von einer anderen Beratung angenommen oder hat die Warteschlange verlassen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="26"/>
        <source>End the current consultation first.</source>
        <translation>Beenden Sie zuerst die laufende Beratung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="27"/>
        <source>Not connected to the hub right now; the connection is being restored.</source>
        <translation>Gerade keine Verbindung zum Dienst; sie wird wiederhergestellt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="28"/>
        <source>No secure credential store is available.</source>
        <translation>Es ist kein sicherer Anmeldedatenspeicher verfügbar.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="29"/>
        <source>The recording stopped because of an error. What was recorded so far is kept; please tell IT.</source>
        <translation>Die Aufzeichnung ist wegen eines Fehlers ausgefallen. Das bisher Aufgezeichnete bleibt erhalten; bitte informieren Sie die IT.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/problems.py" line="97"/>
        <source>Something went wrong; the details are in the log file.</source>
        <translation>Etwas ist schiefgegangen; die Einzelheiten stehen in der Protokolldatei.</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="42"/>
        <source>#</source>
        <translation>Nr.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="43"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="44"/>
        <source>Mode</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="45"/>
        <source>Sees advisor</source>
        <translation>Sieht Beratung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="46"/>
        <source>May be seen</source>
        <translation>Darf gesehen werden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="47"/>
        <source>Waiting</source>
        <translation>Wartezeit</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="48"/>
        <source>Connection</source>
        <translation>Verbindung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="98"/>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="98"/>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="104"/>
        <source>audio + video</source>
        <translation>Bild und Ton</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="104"/>
        <source>text only</source>
        <translation>nur Text</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="112"/>
        <source>online</source>
        <translation>verbunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/models/tables.py" line="112"/>
        <source>connection lost</source>
        <translation>Verbindung verloren</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="36"/>
        <source>Waiting customers</source>
        <translation>Wartende Kundinnen und Kunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="48"/>
        <source>Nobody is waiting. Set your presence to Available: when a customer joins, you hear a chime and they appear here. Take next person starts the consultation.</source>
        <translation>Niemand wartet. Setzen Sie Ihre Anwesenheit auf Verfügbar: Kommt ein Kunde, hören Sie einen Ton und er erscheint hier. „Nächste Person annehmen“ beginnt die Beratung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="60"/>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="101"/>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="139"/>
        <source>Nobody is waiting.</source>
        <translation>Niemand wartet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="61"/>
        <source>Queue summary</source>
        <translation>Übersicht Warteschlange</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="62"/>
        <source>&amp;Take next person</source>
        <translation>&amp;Nächste Person annehmen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="65"/>
        <source>Take next person</source>
        <translation>Nächste Person annehmen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="67"/>
        <source>Take &amp;selected</source>
        <translation>&amp;Ausgewählte annehmen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="69"/>
        <source>Take selected customer</source>
        <translation>Ausgewählte Person annehmen</translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/queue_view.py" line="103"/>
        <source>%n person(s) waiting.</source>
        <translation>
            <numerusform>%n Person wartet.</numerusform>
            <numerusform>%n Personen warten.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/queue_view.py" line="125"/>
        <source>Select a customer first.</source>
        <translation>Wählen Sie zuerst eine Person aus.</translation>
    </message>
</context>
<context>
    <name>RecordDialog</name>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="66"/>
        <source>Save record</source>
        <translation>Protokoll speichern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="68"/>
        <source>PDF documents (*.pdf)</source>
        <translation>PDF-Dokumente (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="104"/>
        <source>Record %1</source>
        <translation>Protokoll %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="105"/>
        <source>Record preview</source>
        <translation>Protokollvorschau</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="116"/>
        <source>Record pages</source>
        <translation>Protokollseiten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="122"/>
        <source>Drawing the pages …</source>
        <translation>Die Seiten werden gezeichnet …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="123"/>
        <source>Record message</source>
        <translation>Protokollmeldung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="125"/>
        <source>Page</source>
        <translation>Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="126"/>
        <source>&amp;Previous page</source>
        <translation>&amp;Vorherige Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="127"/>
        <source>Previous page</source>
        <translation>Vorherige Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="129"/>
        <source>&amp;Next page</source>
        <translation>&amp;Nächste Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="130"/>
        <source>Next page</source>
        <translation>Nächste Seite</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="132"/>
        <source>&amp;Save …</source>
        <translation>&amp;Speichern …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="133"/>
        <source>Save the record as a file</source>
        <translation>Das Protokoll als Datei speichern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="135"/>
        <source>&amp;Close</source>
        <translation>S&amp;chließen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="136"/>
        <source>Close the record preview</source>
        <translation>Die Protokollvorschau schließen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="186"/>
        <source>The pages cannot be shown: %1</source>
        <translation>Die Seiten können nicht angezeigt werden: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="200"/>
        <source>Page %1</source>
        <translation>Seite %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/record_view.py" line="233"/>
        <source>Page %1 of %n</source>
        <translation>
            <numerusform>Seite %1 von %n</numerusform>
            <numerusform>Seite %1 von %n</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="247"/>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/record_view.py" line="251"/>
        <source>Saved as %1</source>
        <translation>Gespeichert als %1</translation>
    </message>
</context>
<context>
    <name>SessionView</name>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="144"/>
        <source>Consultation with %1</source>
        <translation>Beratung mit %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="147"/>
        <source>Customer</source>
        <translation>Kunde/Kundin</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="151"/>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="153"/>
        <source>Copy phone number</source>
        <translation>Telefonnummer kopieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="160"/>
        <source>audio + video</source>
        <translation>Bild und Ton</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="160"/>
        <source>text only</source>
        <translation>nur Text</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="164"/>
        <source>wants to see you</source>
        <translation>möchte Sie sehen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="164"/>
        <source>does not see you</source>
        <translation>sieht Sie nicht</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="167"/>
        <source>may be seen</source>
        <translation>darf gesehen werden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="167"/>
        <source>does not show video</source>
        <translation>zeigt kein Bild</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="169"/>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="170"/>
        <source>Phone:</source>
        <translation>Telefon:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="173"/>
        <source>Mode:</source>
        <translation>Art:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="179"/>
        <source>Consent:</source>
        <translation>Einwilligung:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="184"/>
        <source>Customer&apos;s video</source>
        <translation>Bild der Kundin oder des Kunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="187"/>
        <source>Your own video</source>
        <translation>Ihr eigenes Bild</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="189"/>
        <source>The customer does not show video.</source>
        <translation>Die Kundin oder der Kunde zeigt kein Bild.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="200"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="928"/>
        <source>&amp;Mute</source>
        <translation>S&amp;tumm</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="202"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="930"/>
        <source>Mute microphone</source>
        <translation>Mikrofon stummschalten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="206"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="944"/>
        <source>Switch camera off</source>
        <translation>Kamera ausschalten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="210"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="211"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="814"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="818"/>
        <source>End consultation</source>
        <translation>Beratung beenden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="216"/>
        <source>Record status</source>
        <translation>Stand des Protokolls</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="217"/>
        <source>&amp;Update</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="219"/>
        <source>Update the customer&apos;s record now</source>
        <translation>Das Protokoll für die Kundin oder den Kunden jetzt aktualisieren</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="222"/>
        <source>Sends the pages shown so far; the hub makes the record again with them and the chat. At the end it is made once more, complete.</source>
        <translation>Sendet die bisher gezeigten Seiten; der Hub erstellt das Protokoll damit und mit dem Chat neu. Am Ende wird es noch einmal vollständig erstellt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="227"/>
        <source>&amp;View</source>
        <translation>A&amp;nsehen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="229"/>
        <source>View the customer&apos;s record</source>
        <translation>Das Protokoll für die Kundin oder den Kunden ansehen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="231"/>
        <source>Sa&amp;ve …</source>
        <translation>Spei&amp;chern …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="233"/>
        <source>Save the customer&apos;s record as a file</source>
        <translation>Das Protokoll für die Kundin oder den Kunden als Datei speichern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="243"/>
        <source>Record for the customer</source>
        <translation>Protokoll für die Kundschaft</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="268"/>
        <source>Video paused so that you can hear each other well.</source>
        <translation>Video pausiert, damit Sie sich gut verstehen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="272"/>
        <source>The connection cannot carry video right now. Your picture is paused and comes back by itself as soon as the connection allows; the customer is told the same.</source>
        <translation>Die Verbindung trägt gerade kein Video. Ihr Bild ist pausiert und kommt von selbst zurück, sobald die Verbindung es erlaubt; Ihr Gegenüber sieht denselben Hinweis.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="276"/>
        <source>Video paused</source>
        <translation>Video pausiert</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="287"/>
        <source>Share</source>
        <translation>Teilen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="289"/>
        <source>Share with customer</source>
        <translation>Mit Kunde teilen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="414"/>
        <source>Recording</source>
        <translation>Aufnahme läuft</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="416"/>
        <source>Recording is running</source>
        <translation>Die Aufnahme läuft</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="421"/>
        <source>Recording state</source>
        <translation>Stand der Aufzeichnung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="422"/>
        <source>Ask to &amp;record</source>
        <translation>Aufzeichnung &amp;erbitten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="425"/>
        <source>Ask the customer&apos;s consent to record now</source>
        <translation>Die Kundin oder den Kunden jetzt um Einwilligung in die Aufzeichnung bitten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="428"/>
        <source>S&amp;top recording</source>
        <translation>Aufzeichnung st&amp;oppen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="430"/>
        <source>Stop the recording</source>
        <translation>Die Aufzeichnung beenden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="440"/>
        <source>Minutes</source>
        <translation>Protokoll (statt Aufzeichnung)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="445"/>
        <source>This consultation is not recorded: write down what was advised and agreed. The minutes go into the customer&apos;s record.</source>
        <translation>Diese Beratung wird nicht aufgezeichnet: Halten Sie fest, was beraten und vereinbart wurde. Das Protokoll kommt in das Beratungsprotokoll der Kundschaft.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="452"/>
        <source>Minutes of the consultation</source>
        <translation>Protokoll der Beratung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="453"/>
        <source>What was advised, what was agreed …</source>
        <translation>Was beraten, was vereinbart wurde …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="459"/>
        <source>Minutes status</source>
        <translation>Stand des Protokolls der Beratung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="460"/>
        <source>Save &amp;minutes</source>
        <translation>Proto&amp;koll speichern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="462"/>
        <source>Save the minutes at the hub</source>
        <translation>Das Protokoll der Beratung beim Hub speichern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="485"/>
        <source>Recording started.</source>
        <translation>Die Aufzeichnung läuft.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="485"/>
        <source>Recording stopped.</source>
        <translation>Die Aufzeichnung ist beendet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="491"/>
        <source>Recording from start to end (required for this topic; no pause).</source>
        <translation>Aufzeichnung vom Anfang bis zum Ende (für dieses Thema vorgeschrieben; keine Pause).</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="493"/>
        <source>Recording with the customer&apos;s consent.</source>
        <translation>Aufzeichnung mit Einwilligung der Kundschaft.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="495"/>
        <source>The customer is being asked to consent to recording …</source>
        <translation>Die Kundschaft wird um Einwilligung in die Aufzeichnung gebeten …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="497"/>
        <source>The customer declined recording: write minutes instead.</source>
        <translation>Die Kundschaft hat die Aufzeichnung abgelehnt: Schreiben Sie stattdessen ein Protokoll.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="499"/>
        <source>Text only: nothing to record. Write minutes of the consultation.</source>
        <translation>Nur Text: nichts aufzuzeichnen. Schreiben Sie ein Protokoll der Beratung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="501"/>
        <source>Not recorded. You may ask the customer to record.</source>
        <translation>Keine Aufzeichnung. Sie können die Kundschaft um eine Aufzeichnung bitten.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="503"/>
        <source>Not recorded.</source>
        <translation>Keine Aufzeichnung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="505"/>
        <source>The consultation has ended: nothing records any more.</source>
        <translation>Die Beratung ist beendet: Es wird nichts mehr aufgezeichnet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="519"/>
        <source>Not recorded: please write minutes of this consultation.</source>
        <translation>Keine Aufzeichnung: Bitte schreiben Sie ein Protokoll dieser Beratung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="551"/>
        <source>Too long: at most %1 characters.</source>
        <translation>Zu lang: höchstens %1 Zeichen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="554"/>
        <source>Not saved yet.</source>
        <translation>Noch nicht gespeichert.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="560"/>
        <source>Saving …</source>
        <translation>Wird gespeichert …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="564"/>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="569"/>
        <source>Saved at %1; in the record.</source>
        <translation>Gespeichert um %1; steht im Beratungsprotokoll.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="711"/>
        <source>Connection: measuring …</source>
        <translation>Verbindung: wird gemessen …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="706"/>
        <source>Connection: good</source>
        <translation>Verbindung: gut</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="707"/>
        <source>Connection: fair</source>
        <translation>Verbindung: mittel</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="708"/>
        <source>Connection: poor</source>
        <translation>Verbindung: schlecht</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="714"/>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="723"/>
        <source>not measured</source>
        <translation>nicht gemessen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="725"/>
        <source>Round trip: %1</source>
        <translation>Umlaufzeit: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="729"/>
        <source>Loss, your picture and sound at the customer: %1</source>
        <translation>Verlust, Ihr Bild und Ton beim Kunden: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="735"/>
        <source>Loss, the customer&apos;s at you: %1</source>
        <translation>Verlust, Bild und Ton des Kunden bei Ihnen: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="741"/>
        <source>Video sent: %1</source>
        <translation>Video gesendet: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="747"/>
        <source>Video received: %1</source>
        <translation>Video empfangen: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="753"/>
        <source>Sound sent / received: %1 / %2 kbit/s</source>
        <translation>Ton gesendet / empfangen: %1 / %2 kbit/s</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="770"/>
        <source>none</source>
        <translation>keins</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="775"/>
        <source>%1 fps</source>
        <translation>%1 Bilder/s</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="815"/>
        <source>End the consultation with %1? The customer&apos;s call ends too.</source>
        <translation>Die Beratung mit %1 beenden? Auch das Gespräch des Kunden endet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="837"/>
        <source>Record: being made …</source>
        <translation>Protokoll: wird erstellt …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="839"/>
        <source>Record ready, made at %1</source>
        <translation>Protokoll bereit, erstellt um %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="843"/>
        <source>Record: made when the consultation ends (Update makes it now).</source>
        <translation>Protokoll: wird am Ende der Beratung erstellt („Aktualisieren“ erstellt es sofort).</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="857"/>
        <source>Record: the hub has no record of this consultation yet.</source>
        <translation>Protokoll: Der Hub hat noch kein Protokoll dieser Beratung.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="858"/>
        <source>Record: %1</source>
        <translation>Protokoll: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="876"/>
        <source>Pages sent: the hub is making the record.</source>
        <translation>Seiten gesendet: Der Hub erstellt das Protokoll.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="918"/>
        <source>Record not saved: %1</source>
        <translation>Protokoll nicht gespeichert: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="922"/>
        <source>Record saved as %1</source>
        <translation>Protokoll gespeichert als %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="251"/>
        <source>C&amp;lose</source>
        <translation>Sch&amp;ließen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="64"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="204"/>
        <location filename="../../advisor_app/ui/views/session_view.py" line="942"/>
        <source>&amp;Camera off</source>
        <translation>&amp;Kamera aus</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="209"/>
        <source>&amp;End</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="252"/>
        <source>Close this consultation</source>
        <translation>Diese Beratung schließen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="257"/>
        <source>Connection state</source>
        <translation>Verbindungszustand</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="260"/>
        <source>Connection quality</source>
        <translation>Verbindungsqualität</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="335"/>
        <source>Chat messages</source>
        <translation>Chatnachrichten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="338"/>
        <source>Write a message, Enter sends</source>
        <translation>Nachricht schreiben, Eingabetaste sendet</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="339"/>
        <source>Chat message</source>
        <translation>Chatnachricht</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="341"/>
        <source>&amp;Send</source>
        <translation>&amp;Senden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="344"/>
        <source>Send chat message</source>
        <translation>Chatnachricht senden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="349"/>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="639"/>
        <source>Connecting …</source>
        <translation>Verbindung wird aufgebaut …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="640"/>
        <source>Connected</source>
        <translation>Verbunden</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="641"/>
        <source>Connection is being restored …</source>
        <translation>Verbindung wird wiederhergestellt …</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="642"/>
        <source>The consultation has ended.</source>
        <translation>Die Beratung ist beendet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="646"/>
        <source>(the customer&apos;s connection dropped)</source>
        <translation>(die Verbindung der Kundin oder des Kunden ist unterbrochen)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="648"/>
        <source>The customer has ended the consultation.</source>
        <translation>Die Kundin oder der Kunde hat die Beratung beendet.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="716"/>
        <source>loss %1</source>
        <translation>Verlust %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="719"/>
        <source>your picture reduced</source>
        <translation>Ihr Bild reduziert</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="760"/>
        <source>Your picture is sent smaller or less fluid for now, so that the customer hears you clearly on this line.</source>
        <translation>Ihr Bild wird vorerst kleiner oder weniger flüssig übertragen, damit die Kundin oder der Kunde Sie auf dieser Leitung gut versteht.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="871"/>
        <source>The record could not be made: %1</source>
        <translation>Das Protokoll konnte nicht erstellt werden: %1</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="928"/>
        <source>Un&amp;mute</source>
        <translation>&amp;Ton an</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="930"/>
        <source>Unmute microphone</source>
        <translation>Mikrofon einschalten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="942"/>
        <source>&amp;Camera on</source>
        <translation>&amp;Kamera an</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/views/session_view.py" line="944"/>
        <source>Switch camera on</source>
        <translation>Kamera einschalten</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="67"/>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="68"/>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="71"/>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="73"/>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="75"/>
        <source>Speaker</source>
        <translation>Lautsprecher</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="82"/>
        <source>(none found)</source>
        <translation>(keines gefunden)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="91"/>
        <source>Camera preview</source>
        <translation>Kameravorschau</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="96"/>
        <source>Microphone level</source>
        <translation>Mikrofonpegel</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="97"/>
        <source>&amp;Play test sound</source>
        <translation>&amp;Testton abspielen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="98"/>
        <source>Play test sound</source>
        <translation>Testton abspielen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="102"/>
        <source>Devices</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="104"/>
        <source>&amp;Camera:</source>
        <translation>&amp;Kamera:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="106"/>
        <source>&amp;Microphone:</source>
        <translation>&amp;Mikrofon:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="107"/>
        <source>Level:</source>
        <translation>Pegel:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="108"/>
        <source>S&amp;peaker:</source>
        <translation>&amp;Lautsprecher:</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="116"/>
        <source>&amp;Echo cancellation</source>
        <translation>&amp;Echounterdrückung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="117"/>
        <source>&amp;Noise suppression</source>
        <translation>&amp;Rauschunterdrückung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="118"/>
        <source>&amp;Automatic gain</source>
        <translation>&amp;Automatische Lautstärke</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="121"/>
        <source>Echo cancellation</source>
        <translation>Echounterdrückung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="122"/>
        <source>Noise suppression</source>
        <translation>Rauschunterdrückung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="123"/>
        <source>Automatic gain</source>
        <translation>Automatische Lautstärke</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="126"/>
        <source>Microphone processing</source>
        <translation>Mikrofon-Bearbeitung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="134"/>
        <source>Set by your IT department.</source>
        <translation>Von Ihrer IT festgelegt.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="142"/>
        <source>System check results</source>
        <translation>Ergebnisse der Systemprüfung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="143"/>
        <source>Run system &amp;check</source>
        <translation>Systemprüfung &amp;starten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="144"/>
        <source>Run system check</source>
        <translation>Systemprüfung starten</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="146"/>
        <source>System check</source>
        <translation>Systemprüfung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="154"/>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="155"/>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="156"/>
        <location filename="../../advisor_app/ui/dialogs/settings_dialog.py" line="157"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>SystemCheck</name>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="74"/>
        <location filename="../../advisor_app/ui/system_check.py" line="101"/>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="102"/>
        <source>Microphone</source>
        <translation>Mikrofon</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="103"/>
        <source>Speaker</source>
        <translation>Lautsprecher</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="104"/>
        <source>Hub reachable</source>
        <translation>Dienst erreichbar</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="105"/>
        <source>Media connection (ICE)</source>
        <translation>Medienverbindung (ICE)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="112"/>
        <source>Audio processing</source>
        <translation>Audioverarbeitung</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="116"/>
        <source>Connect a camera and allow access to it in the system settings; until then the customer sees a test picture.</source>
        <translation>Schließen Sie eine Kamera an und erlauben Sie den Zugriff in den Systemeinstellungen; bis dahin sieht die Kundin oder der Kunde ein Testbild.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="117"/>
        <source>Connect a headset or microphone and allow access to it in the system settings.</source>
        <translation>Schließen Sie ein Headset oder Mikrofon an und erlauben Sie den Zugriff in den Systemeinstellungen.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="118"/>
        <source>Connect a headset or speakers.</source>
        <translation>Schließen Sie ein Headset oder Lautsprecher an.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="119"/>
        <source>Check the hub address and the network; ask IT whether the hub is running.</source>
        <translation>Prüfen Sie die Adresse des Dienstes und das Netzwerk; fragen Sie die IT, ob der Dienst läuft.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="120"/>
        <source>Media cannot connect: ask IT to open UDP for media or to configure a TURN server.</source>
        <translation>Keine Medienverbindung möglich: Bitten Sie die IT, UDP für Medien freizugeben oder einen TURN-Server einzurichten.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="127"/>
        <source>Without echo cancellation the customer may hear themselves: use a headset and ask IT to reinstall the application.</source>
        <translation>Ohne Echounterdrückung hört sich die Kundin oder der Kunde womöglich selbst: Verwenden Sie ein Headset und bitten Sie die IT, die Anwendung neu zu installieren.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="136"/>
        <source>TURN over %1 (%2)</source>
        <translation>TURN über %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="137"/>
        <source>no TURN server reachable</source>
        <translation>kein TURN-Server erreichbar</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="106"/>
        <source>Multimedia backend</source>
        <translation>Multimedia-Backend</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="107"/>
        <source>Video codec</source>
        <translation>Videocodec</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="108"/>
        <source>Credential store</source>
        <translation>Anmeldedatenspeicher</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="109"/>
        <source>Application files</source>
        <translation>Anwendungsdateien</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="110"/>
        <source>Translations</source>
        <translation>Übersetzungen</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="111"/>
        <source>Document display</source>
        <translation>Dokumentanzeige</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="121"/>
        <location filename="../../advisor_app/ui/system_check.py" line="122"/>
        <location filename="../../advisor_app/ui/system_check.py" line="124"/>
        <location filename="../../advisor_app/ui/system_check.py" line="125"/>
        <source>The installation is incomplete: ask IT to reinstall the application.</source>
        <translation>Die Installation ist unvollständig: Bitten Sie die IT, die Anwendung neu zu installieren.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="123"/>
        <source>Without a credential store the option to stay signed in is off: you sign in each time.</source>
        <translation>Ohne Anmeldedatenspeicher ist „Angemeldet bleiben“ nicht verfügbar: Sie melden sich jedes Mal an.</translation>
    </message>
    <message>
        <location filename="../../advisor_app/ui/system_check.py" line="126"/>
        <source>Documents cannot be shown: ask IT to reinstall the application.</source>
        <translation>Dokumente können nicht angezeigt werden: Bitten Sie die IT, die Anwendung neu zu installieren.</translation>
    </message>
</context>
</TS>
