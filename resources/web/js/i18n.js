// Every string the customer sees, in German (first) and English, and the machinery that puts
// them into the page. Elements carry data-i18n="key" (with data-i18n-args as JSON for
// placeholders) and data-i18n-attrs for attributes; setLanguage() re-renders all of them.
// Texts are always set with textContent: nothing here is ever parsed as HTML.

const de = {
  "app.title": "Videoberatung",
  "brand.name": "Videoberatung",
  "brand.tagline": "Persönliche Beratung online",
  "lang.switch": "English",
  "lang.switchLabel": "Switch the page to English",
  "skip": "Zum Inhalt springen",
  "noscript": "Bitte aktivieren Sie JavaScript, um die Videoberatung zu nutzen.",
  "progress": "Schritt {n} von {total}: {name}",
  "step.start": "Start",
  "step.check": "Systemprüfung",
  "step.form": "Anmeldung",
  "step.mode": "Verbindung",
  "step.waiting": "Warten",
  "step.session": "Beratung",
  "step.end": "Ende",
  "step.message": "Mitteilung",
  "step.gone": "Hinweis",
  "conn.reconnecting": "Verbindung wird wiederhergestellt …",
  "conn.restored": "Verbindung wiederhergestellt.",
  "footer.security": "Die gesamte Kommunikation zwischen Ihnen und dem Onlineberater ist verschlüsselt.",
  "notices.link": "Sicherheits-, Rechts- und Datenschutzhinweise",
  "notices.newTab": "(öffnet in neuem Tab)",
  "common.back": "Zurück",
  "common.yes": "ja",
  "common.no": "nein",

  // start
  "start.title": "Willkommen zur Videoberatung",
  "start.intro":
    "Sprechen Sie mit einem unserer Onlineberater – mündlich und/oder schriftlich, bequem von zu Hause aus.",
  "start.needTitle": "Das benötigen Sie",
  "start.need1": "einen PC, Laptop, ein Tablet oder Smartphone mit Internetanschluss",
  "start.need2": "einen aktuellen Browser: Chrome, Edge, Firefox oder Safari",
  "start.need3":
    "Lautsprecher und ein Mikrofon oder ein Headset, um sich mit dem Berater unterhalten zu können",
  "start.need4": "Vergewissern Sie sich, dass Lautsprecher und Mikrofon angeschaltet sind.",
  "start.choiceTitle": "Sie entscheiden",
  "start.choice1":
    "Sie legen fest, ob Sie den Berater sehen möchten und ob der Berater auch Sie sehen darf.",
  "start.choice2":
    "Mit der Option „nur Text übertragen“ wird ein Textchat ohne Bild- und Tonübertragung gestartet.",
  "start.hoursTitle": "Servicezeiten",
  "start.hoursAlways": "Wir sind rund um die Uhr für Sie da.",
  "start.hoursRow": "{days}: {times} Uhr",
  "start.timeZone": "Zeitangaben in der Zeitzone {zone}",
  "start.nowTitle": "Jetzt",
  "start.button": "Videoberatung starten",
  "start.writeMessage": "Mitteilung schreiben",
  "hours.dayRange": "{from} bis {to}",
  "hours.join": ", ",
  "day.0": "Montag",
  "day.1": "Dienstag",
  "day.2": "Mittwoch",
  "day.3": "Donnerstag",
  "day.4": "Freitag",
  "day.5": "Samstag",
  "day.6": "Sonntag",
  "avail.loading": "Die Verfügbarkeit wird abgefragt …",
  "avail.free": "Eine Beraterin oder ein Berater ist jetzt für Sie frei.",
  "avail.busy":
    "Alle Onlineberater sind im Gespräch. Sie können auf den nächsten freien Onlineberater warten oder alternativ eine Mitteilung schreiben.",
  "avail.nobody":
    "Zurzeit ist keine Beraterin und kein Berater angemeldet. Sie können sich trotzdem anmelden und warten oder eine Mitteilung schreiben.",
  "avail.closed": "Die Videoberatung ist zurzeit geschlossen.",
  "avail.nextOpening": "Wir sind wieder für Sie da: {when}.",
  "avail.closedMessage": "Schreiben Sie uns gern eine Mitteilung – wir rufen Sie zurück.",
  "avail.unreachable":
    "Der Beratungsdienst ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen Minuten erneut.",
  "avail.estimate": "Geschätzte Wartezeit: {wait}",

  // system check
  "check.title": "Systemprüfung",
  "check.intro":
    "Wir prüfen, ob Ihr System die nötigen technischen Voraussetzungen für die Videoberatung erfüllt. Werden bei den Komponenten grüne Häkchen angezeigt, können Sie auf „Weiter“ klicken.",
  "check.listLabel": "Ergebnisse der Systemprüfung",
  "check.state.pending": "wird geprüft",
  "check.state.ok": "in Ordnung",
  "check.state.fail": "Problem",
  "check.state.action": "Ihre Bestätigung fehlt",
  "check.webrtc.name": "Browser für Bild und Ton (WebRTC)",
  "check.webrtc.ok": "Ihr Browser unterstützt die Übertragung von Bild und Ton.",
  "check.webrtc.fail": "Ihr Browser unterstützt keine Übertragung von Bild und Ton (WebRTC).",
  "check.webrtc.hint":
    "Verwenden Sie einen aktuellen Chrome, Edge, Firefox oder Safari. Ein Textchat ist trotzdem möglich.",
  "check.secure.name": "Sichere Verbindung",
  "check.secure.okHttps": "Die Verbindung zur Seite ist verschlüsselt (HTTPS).",
  "check.secure.okLocal": "Die Seite läuft auf diesem Rechner (localhost) und gilt als sicher.",
  "check.secure.fail": "Die Seite wurde nicht über eine sichere Verbindung geöffnet.",
  "check.secure.hint":
    "Öffnen Sie die Videoberatung über die Adresse mit „https://“, die Ihnen Ihre Bank genannt hat.",
  "check.camera.name": "Kamera",
  "check.camera.ok": "Kamera gefunden und freigegeben.",
  "check.camera.previewLabel": "Vorschau Ihrer Kamera (gespiegelt)",
  "check.microphone.name": "Mikrofon",
  "check.microphone.ok": "Mikrofon gefunden und freigegeben. Sprechen Sie: Der Balken zeigt den Pegel.",
  "check.microphone.level": "Mikrofonpegel",
  "check.microphone.heard": "Ihr Mikrofon liefert Ton.",
  "check.device.denied.camera": "Der Zugriff auf die Kamera wurde nicht erlaubt.",
  "check.device.denied.microphone": "Der Zugriff auf das Mikrofon wurde nicht erlaubt.",
  "check.device.denied.hint":
    "Erlauben Sie Kamera und Mikrofon in den Website-Einstellungen Ihres Browsers (Symbol links neben der Adresse) und klicken Sie auf „Erneut prüfen“.",
  "check.device.missing.camera": "Es wurde keine Kamera gefunden.",
  "check.device.missing.cameraHint":
    "Schließen Sie eine Kamera an und prüfen Sie erneut. Ohne Kamera können Sie den Berater trotzdem sehen und hören.",
  "check.device.missing.microphone": "Es wurde kein Mikrofon gefunden.",
  "check.device.missing.microphoneHint":
    "Schließen Sie ein Mikrofon oder Headset an und prüfen Sie erneut. Ohne Mikrofon können Sie den Textchat nutzen.",
  "check.device.busy.camera": "Die Kamera wird gerade von einem anderen Programm verwendet.",
  "check.device.busy.microphone": "Das Mikrofon wird gerade von einem anderen Programm verwendet.",
  "check.device.busy.hint":
    "Schließen Sie andere Programme, die Kamera oder Mikrofon nutzen (zum Beispiel andere Videokonferenzen), und prüfen Sie erneut.",
  "check.device.other.camera": "Die Kamera konnte nicht gestartet werden ({reason}).",
  "check.device.other.microphone": "Das Mikrofon konnte nicht gestartet werden ({reason}).",
  "check.device.other.hint": "Prüfen Sie Anschluss und Einstellungen des Geräts und prüfen Sie erneut.",
  "check.device.asking":
    "Ihr Browser fragt, ob diese Seite Kamera und Mikrofon verwenden darf. Bitte klicken Sie auf „Zulassen“.",
  "check.device.unsupported": "Ihr Browser erlaubt hier keinen Zugriff auf Kamera und Mikrofon.",
  "check.device.unsupportedHint":
    "Das ist nur über eine sichere Verbindung mit einem aktuellen Browser möglich. Ein Textchat ist trotzdem möglich.",
  "check.speaker.name": "Lautsprecher oder Kopfhörer",
  "check.speaker.prompt": "Wir spielen einen kurzen Testton ab. Haben Sie ihn gehört?",
  "check.speaker.play": "Testton abspielen",
  "check.speaker.yes": "Ja, Ton gehört",
  "check.speaker.no": "Nein, nichts gehört",
  "check.speaker.ok": "Sie haben den Testton gehört.",
  "check.speaker.fail": "Sie haben den Testton nicht gehört.",
  "check.speaker.hint":
    "Prüfen Sie, ob Lautsprecher oder Headset angeschlossen und eingeschaltet sind und der Ton nicht stumm geschaltet ist. Spielen Sie den Testton dann noch einmal ab.",
  "check.speaker.unsupported": "Ihr Browser kann keinen Testton erzeugen.",
  "check.speaker.unsupportedHint": "Verwenden Sie einen aktuellen Browser. Ein Textchat ist trotzdem möglich.",
  "check.service.name": "Verbindung zum Beratungsdienst",
  "check.service.ok": "Der Beratungsdienst ist erreichbar.",
  "check.service.fail": "Der Beratungsdienst ist nicht erreichbar.",
  "check.service.hint":
    "Prüfen Sie Ihre Internetverbindung und prüfen Sie erneut. Im Firmennetz kann eine Firewall die Verbindung blockieren.",
  "check.media.name": "Verbindung für Bild und Ton",
  "check.media.ok": "Eine Verbindung für Bild und Ton kann aufgebaut werden.",
  "check.media.fail": "Eine Verbindung für Bild und Ton konnte nicht aufgebaut werden.",
  "check.media.hint":
    "Ihr Netzwerk (zum Beispiel eine Firewall im Firmennetz) blockiert möglicherweise die Übertragung. Versuchen Sie ein anderes Netz oder nutzen Sie den Textchat.",
  "check.media.skipped": "Nicht geprüft, weil Ihr Browser kein WebRTC unterstützt.",
  "check.running": "Die Prüfung läuft …",
  "check.allOk": "Alle Voraussetzungen sind erfüllt. Klicken Sie auf „Weiter“.",
  "check.confirmSound":
    "Die Prüfung ist abgeschlossen. Bitte bestätigen Sie noch, ob Sie den Testton gehört haben, oder klicken Sie auf „Weiter“.",
  "check.textOnly":
    "Bild und Ton sind auf diesem Gerät zurzeit nicht möglich. Sie können trotzdem fortfahren und die Beratung als Textchat („nur Text übertragen“) führen.",
  "check.noCamera":
    "Ohne Kamera können Sie fortfahren: Sie sehen und hören den Berater, er sieht Sie aber nicht.",
  "check.blocked":
    "Die Videoberatung kann so nicht genutzt werden. Bitte beheben Sie die rot markierten Punkte und klicken Sie auf „Erneut prüfen“.",
  "check.rerun": "Erneut prüfen",
  "check.next": "Weiter",

  // form
  "form.title": "Anmeldung",
  "form.intro": "Geben Sie bitte Ihren Namen sowie eine Telefonnummer für eventuelle Rückfragen an.",
  "form.required": "Alle Angaben sind erforderlich.",
  "form.name": "Ihr Name",
  "form.phone": "Telefonnummer für Rückfragen",
  "form.phoneHint": "Zum Beispiel 030 1234567 oder +49 30 1234567",
  "form.consent":
    "Ich habe die Sicherheits-, Rechts- und Datenschutzhinweise zur Kenntnis genommen und akzeptiere sie.",
  "form.noticesRead": "Sicherheits-, Rechts- und Datenschutzhinweise lesen",
  "form.noticeVersion": "Fassung vom {version}",
  "form.submit": "Anmelden",
  "form.summary": "Bitte korrigieren Sie die markierten Angaben.",
  "err.name.empty": "Bitte geben Sie Ihren Namen ein.",
  "err.name.long": "Der Name darf höchstens {max} Zeichen lang sein.",
  "err.name.control": "Der Name enthält unzulässige Steuerzeichen.",
  "err.name.invalid": "Bitte prüfen Sie Ihren Namen.",
  "err.name.letters": "Bitte geben Sie Ihren Namen mit Buchstaben ein.",
  "err.phone.empty": "Bitte geben Sie eine Telefonnummer ein.",
  "err.phone.chars": "Die Telefonnummer darf nur Ziffern, Leerzeichen und die Zeichen + ( ) - / enthalten.",
  "err.phone.plus": "Das Pluszeichen darf nur am Anfang der Telefonnummer stehen.",
  "err.phone.short": "Die Telefonnummer ist zu kurz. Bitte geben Sie sie mit Vorwahl ein.",
  "err.phone.long": "Die Telefonnummer ist zu lang.",
  "err.phone.invalid":
    "Diese Telefonnummer ist nicht gültig. Bitte prüfen Sie die Vorwahl; internationale Nummern beginnen mit + und der Landesvorwahl.",
  "err.consent": "Bitte bestätigen Sie, dass Sie die Hinweise zur Kenntnis genommen haben und akzeptieren.",
  "err.consentVersion":
    "Die Hinweise wurden inzwischen aktualisiert. Bitte lesen Sie die neue Fassung und bestätigen Sie sie erneut.",
  "err.text.empty": "Bitte schreiben Sie eine Nachricht.",
  "err.text.long": "Die Nachricht darf höchstens {max} Zeichen lang sein.",
  "err.text.control": "Die Nachricht enthält unzulässige Steuerzeichen.",
  "err.network":
    "Der Beratungsdienst ist nicht erreichbar. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.",
  "err.rateLimited": "Zu viele Versuche in kurzer Zeit. Bitte warten Sie einen Moment und versuchen Sie es erneut.",
  "err.closed": "Die Videoberatung ist gerade geschlossen. Schreiben Sie uns gern eine Mitteilung.",
  "err.generic": "Das hat leider nicht geklappt ({reason}). Bitte versuchen Sie es erneut.",

  // mode
  "mode.title": "Verbindung wählen",
  "mode.intro": "Wählen Sie, wie Sie mit dem Onlineberater in Kontakt treten möchten.",
  "mode.legend": "Art der Verbindung",
  "mode.av": "Bild und Ton übertragen",
  "mode.avDesc": "Sie sprechen mit dem Berater. Ob dabei Bilder übertragen werden, legen Sie hier fest:",
  "mode.seeAdvisor": "Ich möchte den Berater sehen",
  "mode.showMe": "Der Berater darf mich sehen",
  "mode.switchesLabel": "Bildübertragung",
  "mode.text": "nur Text übertragen",
  "mode.textDesc": "Ein Textchat ohne Bild- und Tonübertragung. Kamera und Mikrofon werden nicht verwendet.",
  "mode.permissionNote":
    "Nach dem Klick fragt Ihr Browser, ob diese Seite Kamera und Mikrofon verwenden darf. Bitte klicken Sie dann auf „Zulassen“.",
  "mode.permissionNoteMic":
    "Nach dem Klick fragt Ihr Browser, ob diese Seite Ihr Mikrofon verwenden darf. Bitte klicken Sie dann auf „Zulassen“.",
  "mode.checkWarning":
    "Bei der Systemprüfung standen Kamera oder Mikrofon nicht zur Verfügung. Wir empfehlen „nur Text übertragen“.",
  "mode.submit": "Gewählte Verbindung aufbauen",
  "mode.working": "Verbindung wird aufgebaut …",
  "mode.name.av": "Bild und Ton",
  "mode.name.audio": "Ton (ohne Bild)",
  "mode.name.text": "nur Text",
  "denied.title": "Kamera und Mikrofon sind blockiert",
  "denied.text": "Ihr Browser hat den Zugriff auf Kamera und Mikrofon nicht erlaubt. So erlauben Sie ihn:",
  "denied.chrome":
    "Chrome und Edge: Klicken Sie links neben der Adresse auf das Symbol für die Website-Einstellungen, stellen Sie Kamera und Mikrofon auf „Zulassen“ und klicken Sie dann auf „Erneut versuchen“. Falls der Browser es verlangt, laden Sie die Seite neu – Ihre Angaben bleiben erhalten.",
  "denied.firefox":
    "Firefox: Klicken Sie in der Adressleiste auf das durchgestrichene Kamera- oder Mikrofonsymbol, heben Sie die Blockierung auf und klicken Sie auf „Erneut versuchen“.",
  "denied.safari":
    "Safari: Wählen Sie im Menü „Safari“ > „Einstellungen für diese Website …“ und stellen Sie Kamera und Mikrofon auf „Erlauben“. Auf iPhone und iPad: „Einstellungen“ > „Apps“ > „Safari“ > „Kamera“ bzw. „Mikrofon“.",
  "denied.alternative": "Oder führen Sie die Beratung ohne Kamera und Mikrofon als Textchat.",
  "denied.retry": "Erneut versuchen",
  "denied.textOnly": "Mit „nur Text übertragen“ fortfahren",
  "unavailable.title": "Kamera oder Mikrofon nicht verfügbar",
  "unavailable.missing": "Es wurde keine Kamera bzw. kein Mikrofon gefunden. Schließen Sie das Gerät an und versuchen Sie es erneut.",
  "unavailable.busy":
    "Kamera oder Mikrofon werden gerade von einem anderen Programm verwendet. Schließen Sie das andere Programm und versuchen Sie es erneut.",
  "unavailable.other": "Kamera oder Mikrofon konnten nicht gestartet werden ({reason}).",

  // waiting
  "wait.title": "Bitte warten Sie einen Moment",
  "wait.greeting": "Vielen Dank, {name}. Sie sind angemeldet. Der nächste freie Onlineberater begrüßt Sie gleich.",
  "wait.statusLabel": "Ihr Platz in der Warteschlange",
  "wait.connecting": "Verbindung zur Warteschlange wird aufgebaut …",
  "wait.position": "Ihre Position in der Warteschlange: {position}",
  "wait.estimate": "Voraussichtliche Wartezeit: {wait}",
  "wait.unknown": "unbekannt",
  "wait.moment": "wenige Augenblicke",
  "wait.lessMinute": "weniger als eine Minute",
  "wait.minute": "etwa 1 Minute",
  "wait.minutes": "etwa {n} Minuten",
  "wait.chosen": "Gewählte Verbindung: {mode}",
  "wait.busyTitle": "Alle Onlineberater sind im Gespräch",
  "wait.busy":
    "Sie können auf den nächsten freien Onlineberater warten oder alternativ eine Mitteilung schreiben – wir rufen Sie dann zurück.",
  "wait.nobodyTitle": "Zurzeit ist niemand erreichbar",
  "wait.nobody":
    "Gerade ist keine Beraterin und kein Berater angemeldet. Sie können warten oder eine Mitteilung schreiben – wir rufen Sie dann zurück.",
  "wait.keepWaiting": "Weiter warten",
  "wait.keptWaiting": "Gut, Sie warten weiter. Ihr Platz bleibt erhalten.",
  "wait.writeMessage": "Mitteilung schreiben",
  "wait.reloadNote":
    "Sie können diese Seite neu laden, ohne Ihren Platz zu verlieren. Bitte lassen Sie das Fenster geöffnet.",
  "wait.previewLabel": "Ihr Kamerabild – nur für Sie sichtbar, bis das Gespräch beginnt (gespiegelt)",
  "wait.leave": "Warteschlange verlassen",
  "gone.leftTitle": "Sie haben die Warteschlange verlassen",
  "gone.leftText": "Ihr Platz wurde freigegeben. Sie können jederzeit eine neue Videoberatung starten.",
  "gone.expiredTitle": "Ihre Anmeldung ist abgelaufen",
  "gone.expiredText":
    "Die Verbindung war zu lange unterbrochen, deshalb wurde Ihr Platz in der Warteschlange freigegeben. Bitte melden Sie sich erneut an.",
  "gone.restart": "Zur Startseite",

  // message
  "msg.title": "Mitteilung schreiben",
  "msg.intro": "Schreiben Sie uns Ihr Anliegen. Ein Onlineberater ruft Sie unter der angegebenen Telefonnummer zurück.",
  "msg.text": "Ihre Mitteilung",
  "msg.counter": "Noch {n} Zeichen",
  "msg.queueNote": "Wenn Sie die Mitteilung senden, geben Sie Ihren Platz in der Warteschlange frei.",
  "msg.submit": "Mitteilung senden",
  "msg.sentTitle": "Vielen Dank für Ihre Mitteilung",
  "msg.sentText": "Ihre Mitteilung ist bei uns eingegangen. Ein Onlineberater meldet sich bei Ihnen unter {phone}.",

  // session
  "session.titleAv": "Ihre Videoberatung",
  "session.titleText": "Ihr Textchat mit der Beratung",
  "session.greeting": "Guten Tag! {name} ist jetzt für Sie da.",
  "session.stateLabel": "Verbindungsstatus",
  "state.connecting": "Verbindung für Bild und Ton wird aufgebaut …",
  "state.connected": "Verbunden – Bild und Ton werden übertragen.",
  "state.audioConnected": "Verbunden – Ton wird übertragen.",
  "state.advisorCamOff": "Verbunden – Ton wird übertragen, die Kamera von {name} ist aus.",
  "state.advisorCamOffShowMe":
    "Verbunden – Ton und Ihr Bild werden übertragen, die Kamera von {name} ist aus.",
  "state.advisorMuted": "Verbunden – {name} hat das Mikrofon stummgeschaltet.",
  "state.advisorAllOff": "Verbunden – die Kamera von {name} ist aus und das Mikrofon stummgeschaltet.",
  "state.textConnected": "Textchat verbunden.",
  "state.reconnecting": "Verbindung wird wiederhergestellt …",
  "state.advisorAway": "Ihr Berater ist kurz nicht erreichbar. Bitte bleiben Sie auf dieser Seite.",
  "state.failed": "Die Verbindung für Bild und Ton ist unterbrochen; sie wird neu aufgebaut. Der Chat funktioniert weiter.",
  "state.noMedia":
    "Kamera und Mikrofon sind nicht verfügbar. Sie hören und sehen den Berater, schreiben Sie ihm bitte im Chat.",
  "video.advisorLabel": "Video Ihres Beraters",
  "video.ownLabel": "Ihr eigenes Bild (gespiegelt)",
  "video.noAdvisorVideo": "Sie hören {name}. Sie haben gewählt, den Berater nicht zu sehen.",
  "video.waiting": "Das Bild Ihres Beraters wird geladen …",
  "video.camOffTitle": "Kamera aus",
  "video.camOffText": "{name} hat die Kamera ausgeschaltet.",
  "video.advisorMuted": "{name}: Mikrofon stumm",
  "ctl.label": "Bedienung",
  "ctl.micOff": "Mikrofon ausschalten",
  "ctl.micOn": "Mikrofon einschalten",
  "ctl.camOff": "Kamera ausschalten",
  "ctl.camOn": "Kamera einschalten",
  "ctl.micIsOff": "Ihr Mikrofon ist ausgeschaltet.",
  "ctl.camIsOff": "Ihre Kamera ist ausgeschaltet.",
  "ctl.allOff": "Ihr Mikrofon und Ihre Kamera sind ausgeschaltet.",
  "ctl.playAudio": "Ton einschalten",
  "ctl.end": "Beratung beenden",
  "ctl.endConfirm": "Möchten Sie die Beratung wirklich beenden?",
  "ctl.endYes": "Ja, beenden",
  "ctl.endNo": "Nein, weiter beraten",
  "docs.title": "Unterlagen",
  "docs.empty": "Hier erscheinen Unterlagen und Grafiken, die Ihnen Ihr Berater zeigt.",
  "docs.page": "{title} – Seite {page} von {count}",
  "docs.zoomIn": "+",
  "docs.zoomOut": "−",
  "docs.zoomReset": "Einpassen",
  "docs.zoomInLabel": "Vergrößern",
  "docs.zoomOutLabel": "Verkleinern",
  "docs.zoomResetLabel": "An die Breite anpassen",
  "docs.zoomGroup": "Ansicht der Unterlage",
  "docs.viewLabel": "Gezeigte Unterlage mit Markierungen",
  "docs.pinAnnounce": "Markierung {n}: {label}",
  "docs.pinAnnounceBare": "Markierung {n}",
  "chat.title": "Chat",
  "chat.listLabel": "Nachrichten",
  "chat.input": "Ihre Nachricht",
  "chat.hint": "Die Eingabetaste sendet, Umschalt und Eingabetaste beginnen eine neue Zeile.",
  "chat.send": "Senden",
  "chat.you": "Sie",
  "chat.sending": "wird gesendet …",
  "chat.announce": "Neue Nachricht von {name}: {text}",
  "chat.empty": "Noch keine Nachrichten. Schreiben Sie hier, wenn Sie möchten.",
  "chat.joined": "{name} hat das Gespräch übernommen.",
  "chat.tooFast": "Sie haben in kurzer Zeit sehr viel geschrieben. Ihre Nachricht steht wieder im Eingabefeld: Bitte senden Sie sie in einer Minute noch einmal.",

  // end
  "end.title": "Vielen Dank für Ihr Gespräch",
  "end.byAdvisor": "Ihr Berater hat die Beratung beendet.",
  "end.byCustomer": "Sie haben die Beratung beendet.",
  "end.recordTitle": "Ihr Beratungsprotokoll",
  "end.recordText":
    "Das Protokoll enthält die Angaben zur Beratung, die Ihnen gezeigten Unterlagen mit den Markierungen und den schriftlichen Verlauf (Chat). Bild und Ton wurden nicht aufgezeichnet.",
  "end.recordDownload": "Beratungsprotokoll herunterladen (PDF)",
  "end.recordPreparing": "Ihr Protokoll wird erstellt\u00a0…",
  "end.recordReady": "Ihr Protokoll ist fertig. Sie können es jetzt herunterladen.",
  "end.recordLate": "Das Protokoll ist noch nicht fertig. Bitte laden Sie diese Seite später neu.",
  "end.chatTitle": "Nur der schriftliche Verlauf",
  "end.chatText": "Den Chat allein können Sie als PDF herunterladen oder ausdrucken.",
  "end.chatPdf": "Nur den Chatverlauf als PDF",
  "end.print": "Gesprächsprotokoll drucken",
  "end.printError": "Das Gesprächsprotokoll konnte nicht geladen werden. Bitte versuchen Sie es erneut.",
  "end.permTitle": "Berechtigung für Kamera und Mikrofon zurücknehmen",
  "end.permIntro":
    "Wenn Sie dieser Seite Kamera und Mikrofon erlaubt haben, können Sie die Berechtigung jetzt wieder zurücknehmen:",
  "end.perm.chromeTitle": "So geht es in Google Chrome",
  "end.perm.chrome":
    "Klicken Sie links neben der Adresse auf das Symbol für die Website-Informationen und dann bei „Kamera“ und „Mikrofon“ auf „Berechtigung zurücksetzen“ oder wählen Sie „Blockieren“.",
  "end.perm.edgeTitle": "So geht es in Microsoft Edge",
  "end.perm.edge":
    "Klicken Sie links neben der Adresse auf das Schloss-Symbol, wählen Sie „Berechtigungen für diese Website“ und stellen Sie Kamera und Mikrofon auf „Fragen“ oder „Blockieren“.",
  "end.perm.firefoxTitle": "So geht es in Mozilla Firefox",
  "end.perm.firefox":
    "Klicken Sie links neben der Adresse auf das Berechtigungssymbol und entfernen Sie bei „Kamera verwenden“ und „Mikrofon verwenden“ die Berechtigung mit dem „ד.",
  "end.perm.safariTitle": "So geht es in Safari",
  "end.perm.safari":
    "Mac: Wählen Sie im Menü „Safari“ > „Einstellungen …“ > „Websites“, dann „Kamera“ und „Mikrofon“, und stellen Sie diese Website auf „Fragen“ oder „Ablehnen“. iPhone und iPad: „Einstellungen“ > „Apps“ > „Safari“ > „Kamera“ bzw. „Mikrofon“.",
  "end.close": "Sie können dieses Fenster jetzt schließen.",
  "end.restart": "Neue Videoberatung starten",

  // print
  "print.title": "Gesprächsprotokoll der Videoberatung",
  "print.note": "Schriftlicher Verlauf Ihres Gesprächs (Chat). Bild und Ton wurden nicht aufgezeichnet.",
  "print.reference": "Referenz",
  "print.date": "Datum",
  "print.start": "Beginn",
  "print.end": "Ende",
  "print.timeZone": "Zeitzone",
  "print.customer": "Kunde/Kundin",
  "print.advisor": "Berater/in",
  "print.mode": "Verbindung",
  "print.mode.av": "Bild und Ton",
  "print.mode.text": "nur Text",
  "print.messages": "Schriftlicher Verlauf",
  "print.none": "Es wurden keine schriftlichen Nachrichten ausgetauscht.",
};

const en = {
  "app.title": "Video consultation",
  "brand.name": "Video consultation",
  "brand.tagline": "Personal advice online",
  "lang.switch": "Deutsch",
  "lang.switchLabel": "Seite auf Deutsch anzeigen",
  "skip": "Skip to content",
  "noscript": "Please enable JavaScript to use the video consultation.",
  "progress": "Step {n} of {total}: {name}",
  "step.start": "Start",
  "step.check": "System check",
  "step.form": "Sign-in",
  "step.mode": "Connection",
  "step.waiting": "Waiting",
  "step.session": "Consultation",
  "step.end": "End",
  "step.message": "Message",
  "step.gone": "Notice",
  "conn.reconnecting": "Restoring the connection …",
  "conn.restored": "Connection restored.",
  "footer.security": "All communication between you and the online advisor is encrypted.",
  "notices.link": "Security, legal and privacy notices",
  "notices.newTab": "(opens in a new tab)",
  "common.back": "Back",
  "common.yes": "yes",
  "common.no": "no",

  "start.title": "Welcome to the video consultation",
  "start.intro": "Talk to one of our online advisors – by voice and/or in writing, from the comfort of your home.",
  "start.needTitle": "What you need",
  "start.need1": "a PC, laptop, tablet or smartphone with an internet connection",
  "start.need2": "a current browser: Chrome, Edge, Firefox or Safari",
  "start.need3": "speakers and a microphone, or a headset, to talk with the advisor",
  "start.need4": "Make sure your speakers and microphone are switched on.",
  "start.choiceTitle": "You decide",
  "start.choice1": "You decide whether you want to see the advisor and whether the advisor may see you.",
  "start.choice2": "The option “Transmit text only” starts a text chat without picture and sound.",
  "start.hoursTitle": "Service hours",
  "start.hoursAlways": "We are here for you around the clock.",
  "start.hoursRow": "{days}: {times}",
  "start.timeZone": "Times in the {zone} time zone",
  "start.nowTitle": "Right now",
  "start.button": "Start video consultation",
  "start.writeMessage": "Write a message",
  "hours.dayRange": "{from} to {to}",
  "hours.join": ", ",
  "day.0": "Monday",
  "day.1": "Tuesday",
  "day.2": "Wednesday",
  "day.3": "Thursday",
  "day.4": "Friday",
  "day.5": "Saturday",
  "day.6": "Sunday",
  "avail.loading": "Checking availability …",
  "avail.free": "An advisor is free for you now.",
  "avail.busy":
    "All online advisors are in a conversation. You can wait for the next free online advisor or write a message instead.",
  "avail.nobody": "No advisor is signed in right now. You can still sign in and wait, or write a message.",
  "avail.closed": "The video consultation is closed right now.",
  "avail.nextOpening": "We are back for you: {when}.",
  "avail.closedMessage": "You are welcome to write us a message – we will call you back.",
  "avail.unreachable": "The consultation service cannot be reached right now. Please try again in a few minutes.",
  "avail.estimate": "Estimated wait: {wait}",

  "check.title": "System check",
  "check.intro":
    "We are checking whether your system meets the technical requirements for the video consultation. When the components show green ticks, you can select “Continue”.",
  "check.listLabel": "System check results",
  "check.state.pending": "being checked",
  "check.state.ok": "OK",
  "check.state.fail": "problem",
  "check.state.action": "waiting for your confirmation",
  "check.webrtc.name": "Browser for picture and sound (WebRTC)",
  "check.webrtc.ok": "Your browser supports transmitting picture and sound.",
  "check.webrtc.fail": "Your browser does not support transmitting picture and sound (WebRTC).",
  "check.webrtc.hint": "Use a current Chrome, Edge, Firefox or Safari. A text chat is still possible.",
  "check.secure.name": "Secure connection",
  "check.secure.okHttps": "The connection to this page is encrypted (HTTPS).",
  "check.secure.okLocal": "This page runs on this computer (localhost) and counts as secure.",
  "check.secure.fail": "This page was not opened over a secure connection.",
  "check.secure.hint": "Open the video consultation with the “https://” address your bank gave you.",
  "check.camera.name": "Camera",
  "check.camera.ok": "Camera found and allowed.",
  "check.camera.previewLabel": "Preview of your camera (mirrored)",
  "check.microphone.name": "Microphone",
  "check.microphone.ok": "Microphone found and allowed. Speak: the bar shows the level.",
  "check.microphone.level": "Microphone level",
  "check.microphone.heard": "Your microphone delivers sound.",
  "check.device.denied.camera": "Access to the camera was not allowed.",
  "check.device.denied.microphone": "Access to the microphone was not allowed.",
  "check.device.denied.hint":
    "Allow camera and microphone in your browser's site settings (the icon left of the address) and select “Check again”.",
  "check.device.missing.camera": "No camera was found.",
  "check.device.missing.cameraHint":
    "Connect a camera and check again. Without a camera you can still see and hear the advisor.",
  "check.device.missing.microphone": "No microphone was found.",
  "check.device.missing.microphoneHint":
    "Connect a microphone or headset and check again. Without a microphone you can use the text chat.",
  "check.device.busy.camera": "The camera is being used by another program.",
  "check.device.busy.microphone": "The microphone is being used by another program.",
  "check.device.busy.hint":
    "Close other programs that use the camera or microphone (for example other video calls) and check again.",
  "check.device.other.camera": "The camera could not be started ({reason}).",
  "check.device.other.microphone": "The microphone could not be started ({reason}).",
  "check.device.other.hint": "Check the device's connection and settings, then check again.",
  "check.device.asking": "Your browser asks whether this page may use the camera and microphone. Please select “Allow”.",
  "check.device.unsupported": "Your browser does not allow access to camera and microphone here.",
  "check.device.unsupportedHint":
    "This needs a secure connection and a current browser. A text chat is still possible.",
  "check.speaker.name": "Speakers or headphones",
  "check.speaker.prompt": "We play a short test tone. Did you hear it?",
  "check.speaker.play": "Play test tone",
  "check.speaker.yes": "Yes, I heard it",
  "check.speaker.no": "No, I heard nothing",
  "check.speaker.ok": "You heard the test tone.",
  "check.speaker.fail": "You did not hear the test tone.",
  "check.speaker.hint":
    "Check that speakers or headset are connected and switched on and that the sound is not muted. Then play the test tone again.",
  "check.speaker.unsupported": "Your browser cannot produce a test tone.",
  "check.speaker.unsupportedHint": "Use a current browser. A text chat is still possible.",
  "check.service.name": "Connection to the consultation service",
  "check.service.ok": "The consultation service can be reached.",
  "check.service.fail": "The consultation service cannot be reached.",
  "check.service.hint":
    "Check your internet connection and check again. In a company network a firewall may block the connection.",
  "check.media.name": "Connection for picture and sound",
  "check.media.ok": "A connection for picture and sound can be set up.",
  "check.media.fail": "A connection for picture and sound could not be set up.",
  "check.media.hint":
    "Your network (for example a company firewall) may block the transmission. Try another network or use the text chat.",
  "check.media.skipped": "Not checked, because your browser does not support WebRTC.",
  "check.running": "The check is running …",
  "check.allOk": "All requirements are met. Select “Continue”.",
  "check.confirmSound":
    "The check is complete. Please still confirm whether you heard the test tone, or select “Continue”.",
  "check.textOnly":
    "Picture and sound are not possible on this device right now. You can still continue and hold the consultation as a text chat (“Transmit text only”).",
  "check.noCamera":
    "You can continue without a camera: you see and hear the advisor, but the advisor does not see you.",
  "check.blocked":
    "The video consultation cannot be used like this. Please fix the items marked in red and select “Check again”.",
  "check.rerun": "Check again",
  "check.next": "Continue",

  "form.title": "Sign-in",
  "form.intro": "Please enter your name and a phone number in case we need to call you back.",
  "form.required": "All fields are required.",
  "form.name": "Your name",
  "form.phone": "Phone number for call-backs",
  "form.phoneHint": "For example 030 1234567 or +49 30 1234567",
  "form.consent": "I have read and accept the security, legal and privacy notices.",
  "form.noticesRead": "Read the security, legal and privacy notices",
  "form.noticeVersion": "Version of {version}",
  "form.submit": "Sign in",
  "form.summary": "Please correct the marked entries.",
  "err.name.empty": "Please enter your name.",
  "err.name.long": "The name may be at most {max} characters long.",
  "err.name.control": "The name contains control characters that are not allowed.",
  "err.name.invalid": "Please check your name.",
  "err.name.letters": "Please enter your name in letters.",
  "err.phone.empty": "Please enter a phone number.",
  "err.phone.chars": "The phone number may only contain digits, spaces and the characters + ( ) - /.",
  "err.phone.plus": "The plus sign may only stand at the start of the phone number.",
  "err.phone.short": "The phone number is too short. Please enter it with the area code.",
  "err.phone.long": "The phone number is too long.",
  "err.phone.invalid":
    "This phone number is not valid. Please check the area code; international numbers start with + and the country code.",
  "err.consent": "Please confirm that you have read and accept the notices.",
  "err.consentVersion": "The notices have been updated in the meantime. Please read the new version and confirm it again.",
  "err.text.empty": "Please write a message.",
  "err.text.long": "The message may be at most {max} characters long.",
  "err.text.control": "The message contains control characters that are not allowed.",
  "err.network": "The consultation service cannot be reached. Please check your internet connection and try again.",
  "err.rateLimited": "Too many attempts in a short time. Please wait a moment and try again.",
  "err.closed": "The video consultation is closed right now. You are welcome to write us a message.",
  "err.generic": "Unfortunately that did not work ({reason}). Please try again.",

  "mode.title": "Choose the connection",
  "mode.intro": "Choose how you want to get in touch with the online advisor.",
  "mode.legend": "Type of connection",
  "mode.av": "Transmit picture and sound",
  "mode.avDesc": "You talk with the advisor. You decide here whether pictures are transmitted:",
  "mode.seeAdvisor": "I want to see the advisor",
  "mode.showMe": "The advisor may see me",
  "mode.switchesLabel": "Picture transmission",
  "mode.text": "Transmit text only",
  "mode.textDesc": "A text chat without picture and sound. Camera and microphone are not used.",
  "mode.permissionNote":
    "After the click your browser asks whether this page may use the camera and microphone. Please select “Allow”.",
  "mode.permissionNoteMic":
    "After the click your browser asks whether this page may use your microphone. Please select “Allow”.",
  "mode.checkWarning":
    "Camera or microphone were not available in the system check. We recommend “Transmit text only”.",
  "mode.submit": "Set up the chosen connection",
  "mode.working": "Setting up the connection …",
  "mode.name.av": "picture and sound",
  "mode.name.audio": "sound (no picture)",
  "mode.name.text": "text only",
  "denied.title": "Camera and microphone are blocked",
  "denied.text": "Your browser did not allow access to the camera and microphone. This is how you allow it:",
  "denied.chrome":
    "Chrome and Edge: click the site settings icon left of the address, set camera and microphone to “Allow”, then select “Try again”. If the browser asks for it, reload the page – your entries are kept.",
  "denied.firefox":
    "Firefox: click the crossed-out camera or microphone icon in the address bar, remove the block and select “Try again”.",
  "denied.safari":
    "Safari: choose “Safari” > “Settings for this website …” in the menu and set camera and microphone to “Allow”. On iPhone and iPad: “Settings” > “Apps” > “Safari” > “Camera” or “Microphone”.",
  "denied.alternative": "Or hold the consultation as a text chat, without camera and microphone.",
  "denied.retry": "Try again",
  "denied.textOnly": "Continue with “Transmit text only”",
  "unavailable.title": "Camera or microphone not available",
  "unavailable.missing": "No camera or microphone was found. Connect the device and try again.",
  "unavailable.busy": "The camera or microphone is being used by another program. Close that program and try again.",
  "unavailable.other": "The camera or microphone could not be started ({reason}).",

  "wait.title": "Please wait a moment",
  "wait.greeting": "Thank you, {name}. You are signed in. The next free online advisor will greet you shortly.",
  "wait.statusLabel": "Your place in the queue",
  "wait.connecting": "Connecting to the queue …",
  "wait.position": "Your position in the queue: {position}",
  "wait.estimate": "Estimated waiting time: {wait}",
  "wait.unknown": "unknown",
  "wait.moment": "a few moments",
  "wait.lessMinute": "less than a minute",
  "wait.minute": "about 1 minute",
  "wait.minutes": "about {n} minutes",
  "wait.chosen": "Chosen connection: {mode}",
  "wait.busyTitle": "All online advisors are in a conversation",
  "wait.busy": "You can wait for the next free online advisor or write a message instead – we will then call you back.",
  "wait.nobodyTitle": "Nobody is available right now",
  "wait.nobody": "No advisor is signed in at the moment. You can wait or write a message – we will then call you back.",
  "wait.keepWaiting": "Keep waiting",
  "wait.keptWaiting": "Fine, you keep waiting. Your place is kept.",
  "wait.writeMessage": "Write a message",
  "wait.reloadNote": "You can reload this page without losing your place. Please keep this window open.",
  "wait.previewLabel": "Your camera picture – only you can see it until the conversation starts (mirrored)",
  "wait.leave": "Leave the queue",
  "gone.leftTitle": "You have left the queue",
  "gone.leftText": "Your place has been released. You can start a new video consultation at any time.",
  "gone.expiredTitle": "Your sign-in has expired",
  "gone.expiredText":
    "The connection was interrupted for too long, so your place in the queue has been released. Please sign in again.",
  "gone.restart": "To the start page",

  "msg.title": "Write a message",
  "msg.intro": "Tell us what it is about. An online advisor will call you back on the phone number you give.",
  "msg.text": "Your message",
  "msg.counter": "{n} characters left",
  "msg.queueNote": "When you send the message, you give up your place in the queue.",
  "msg.submit": "Send message",
  "msg.sentTitle": "Thank you for your message",
  "msg.sentText": "Your message has reached us. An online advisor will get back to you on {phone}.",

  "session.titleAv": "Your video consultation",
  "session.titleText": "Your text chat with the advisor",
  "session.greeting": "Hello! {name} is now here for you.",
  "session.stateLabel": "Connection status",
  "state.connecting": "Setting up the connection for picture and sound …",
  "state.connected": "Connected – picture and sound are being transmitted.",
  "state.audioConnected": "Connected – sound is being transmitted.",
  "state.advisorCamOff": "Connected – sound is being transmitted; {name}'s camera is off.",
  "state.advisorCamOffShowMe":
    "Connected – sound and your picture are being transmitted; {name}'s camera is off.",
  "state.advisorMuted": "Connected – {name} has muted the microphone.",
  "state.advisorAllOff": "Connected – {name}'s camera is off and the microphone is muted.",
  "state.textConnected": "Text chat connected.",
  "state.reconnecting": "Restoring the connection …",
  "state.advisorAway": "Your advisor cannot be reached for a moment. Please stay on this page.",
  "state.failed": "The connection for picture and sound is interrupted; it is being set up again. The chat keeps working.",
  "state.noMedia":
    "Camera and microphone are not available. You hear and see the advisor; please write to them in the chat.",
  "video.advisorLabel": "Your advisor's video",
  "video.ownLabel": "Your own picture (mirrored)",
  "video.noAdvisorVideo": "You hear {name}. You chose not to see the advisor.",
  "video.waiting": "Loading your advisor's picture …",
  "video.camOffTitle": "Camera off",
  "video.camOffText": "{name} has switched the camera off.",
  "video.advisorMuted": "{name}: microphone muted",
  "ctl.label": "Controls",
  "ctl.micOff": "Turn microphone off",
  "ctl.micOn": "Turn microphone on",
  "ctl.camOff": "Turn camera off",
  "ctl.camOn": "Turn camera on",
  "ctl.micIsOff": "Your microphone is off.",
  "ctl.camIsOff": "Your camera is off.",
  "ctl.allOff": "Your microphone and your camera are off.",
  "ctl.playAudio": "Turn on sound",
  "ctl.end": "End consultation",
  "ctl.endConfirm": "Do you really want to end the consultation?",
  "ctl.endYes": "Yes, end it",
  "ctl.endNo": "No, continue",
  "docs.title": "Documents",
  "docs.empty": "Documents and graphics your advisor shows you appear here.",
  "docs.page": "{title} – page {page} of {count}",
  "docs.zoomIn": "+",
  "docs.zoomOut": "−",
  "docs.zoomReset": "Fit",
  "docs.zoomInLabel": "Zoom in",
  "docs.zoomOutLabel": "Zoom out",
  "docs.zoomResetLabel": "Fit to width",
  "docs.zoomGroup": "Document view",
  "docs.viewLabel": "Shown document with marks",
  "docs.pinAnnounce": "Mark {n}: {label}",
  "docs.pinAnnounceBare": "Mark {n}",
  "chat.title": "Chat",
  "chat.listLabel": "Messages",
  "chat.input": "Your message",
  "chat.hint": "Enter sends; Shift and Enter start a new line.",
  "chat.send": "Send",
  "chat.you": "You",
  "chat.sending": "sending …",
  "chat.announce": "New message from {name}: {text}",
  "chat.empty": "No messages yet. Write here if you like.",
  "chat.joined": "{name} has taken over the conversation.",
  "chat.tooFast": "You have written a lot in a short time. Your message is back in the input box: please send it again in a minute.",

  "end.title": "Thank you for the conversation",
  "end.byAdvisor": "Your advisor has ended the consultation.",
  "end.byCustomer": "You have ended the consultation.",
  "end.recordTitle": "Your consultation record",
  "end.recordText":
    "The record holds the details of the consultation, the documents you were shown with their marks, and the written conversation (chat). Video and audio were not recorded.",
  "end.recordDownload": "Download the consultation record (PDF)",
  "end.recordPreparing": "Your record is being prepared\u00a0…",
  "end.recordReady": "Your record is ready. You can download it now.",
  "end.recordLate": "The record is not ready yet. Please reload this page later.",
  "end.chatTitle": "Only the written conversation",
  "end.chatText": "You can download or print the chat on its own.",
  "end.chatPdf": "Chat only (PDF)",
  "end.print": "Print conversation transcript",
  "end.printError": "The conversation transcript could not be loaded. Please try again.",
  "end.permTitle": "Take back the camera and microphone permission",
  "end.permIntro": "If you allowed this page to use your camera and microphone, you can take the permission back now:",
  "end.perm.chromeTitle": "How to do it in Google Chrome",
  "end.perm.chrome":
    "Click the site information icon left of the address, then “Reset permission” next to “Camera” and “Microphone”, or choose “Block”.",
  "end.perm.edgeTitle": "How to do it in Microsoft Edge",
  "end.perm.edge":
    "Click the lock icon left of the address, choose “Permissions for this site” and set camera and microphone to “Ask” or “Block”.",
  "end.perm.firefoxTitle": "How to do it in Mozilla Firefox",
  "end.perm.firefox":
    "Click the permissions icon left of the address and remove the permission next to “Use the camera” and “Use the microphone” with the “×”.",
  "end.perm.safariTitle": "How to do it in Safari",
  "end.perm.safari":
    "Mac: choose “Safari” > “Settings …” > “Websites” in the menu, then “Camera” and “Microphone”, and set this website to “Ask” or “Deny”. iPhone and iPad: “Settings” > “Apps” > “Safari” > “Camera” or “Microphone”.",
  "end.close": "You can close this window now.",
  "end.restart": "Start a new video consultation",

  "print.title": "Transcript of your video consultation",
  "print.note": "The written part of your consultation (chat). Video and audio were not recorded.",
  "print.reference": "Reference",
  "print.date": "Date",
  "print.start": "Start",
  "print.end": "End",
  "print.timeZone": "Time zone",
  "print.customer": "Customer",
  "print.advisor": "Advisor",
  "print.mode": "Connection",
  "print.mode.av": "video and audio",
  "print.mode.text": "text only",
  "print.messages": "Written conversation",
  "print.none": "No written messages were exchanged.",
};

export const tables = { de, en };
export const LANGUAGES = ["de", "en"];

let current = "de";
const listeners = new Set();

export function language() {
  return current;
}

function format(template, args) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!args || !(name in args)) return whole;
    return resolveArg(args[name]);
  });
}

function resolveArg(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") {
    if ("t" in value) return t(value.t, value.args);
    if ("date" in value) return formatDate(value.date, value.style, value.timeZone);
  }
  return String(value);
}

/** The text for ``key`` in the current language, with {placeholders} filled from ``args``.
 * An argument may itself be {t: key, args} (translated) or {date: iso, style} (formatted). */
export function t(key, args) {
  const table = tables[current];
  let template = table[key];
  if (template === undefined) {
    console.warn("missing translation", current, key);
    template = de[key] ?? `⟦${key}⟧`;
  }
  return format(template, args);
}

const DATE_STYLES = {
  time: { hour: "2-digit", minute: "2-digit" },
  timeSeconds: { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
  date: { day: "2-digit", month: "2-digit", year: "numeric" },
  dateLong: { day: "numeric", month: "long", year: "numeric" },
  weekdayTime: { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" },
};

/** Run ``render`` with ``lang`` as the language of t() and formatDate() (for a text that must
 * be in another language than the page's, e.g. the printed transcript in the record's). */
export function inLanguage(lang, render) {
  const page = current;
  current = LANGUAGES.includes(lang) ? lang : page;
  try {
    return render();
  } finally {
    current = page;
  }
}

export function formatDate(value, style = "time", timeZone = undefined) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const options = { ...(DATE_STYLES[style] || DATE_STYLES.time) };
  if (timeZone) options.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat(current === "de" ? "de-DE" : "en-GB", options).format(date);
  } catch {
    return date.toISOString();
  }
}

/** Put a translated text into ``element`` and remember the key, so a language switch
 * re-renders it. */
export function localize(element, key, args) {
  element.dataset.i18n = key;
  if (args === undefined) delete element.dataset.i18nArgs;
  else element.dataset.i18nArgs = JSON.stringify(args);
  element.textContent = t(key, args);
}

/** Translated attribute (aria-label, placeholder, title …), re-rendered on a switch. */
export function localizeAttr(element, attribute, key, args) {
  const attrs = element.dataset.i18nAttrs ? JSON.parse(element.dataset.i18nAttrs) : {};
  attrs[attribute] = args === undefined ? [key] : [key, args];
  element.dataset.i18nAttrs = JSON.stringify(attrs);
  element.setAttribute(attribute, t(key, args));
}

/** A date or time shown in the page's language, re-formatted on a switch. */
export function localizeDate(element, iso, style = "time", timeZone = undefined) {
  delete element.dataset.i18n;
  delete element.dataset.i18nArgs;
  element.dataset.i18nDate = iso;
  element.dataset.i18nDateStyle = style;
  if (timeZone) element.dataset.i18nDateZone = timeZone;
  element.textContent = formatDate(iso, style, timeZone);
}

function renderElement(element) {
  if (element.dataset.i18n !== undefined && element.dataset.i18n !== "") {
    const args = element.dataset.i18nArgs ? JSON.parse(element.dataset.i18nArgs) : undefined;
    element.textContent = t(element.dataset.i18n, args);
  }
  if (element.dataset.i18nDate) {
    element.textContent = formatDate(
      element.dataset.i18nDate,
      element.dataset.i18nDateStyle,
      element.dataset.i18nDateZone,
    );
  }
  if (element.dataset.i18nAttrs) {
    const attrs = JSON.parse(element.dataset.i18nAttrs);
    for (const [attribute, [key, args]] of Object.entries(attrs)) {
      element.setAttribute(attribute, t(key, args));
    }
  }
}

/** Render every translatable element below ``root``. */
export function apply(root = document) {
  const selector = "[data-i18n], [data-i18n-attrs], [data-i18n-date]";
  if (root instanceof Element && root.matches(selector)) renderElement(root);
  for (const element of root.querySelectorAll(selector)) renderElement(element);
}

export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = "de";
  current = lang;
  document.documentElement.lang = lang;
  apply(document);
  for (const listener of listeners) listener(lang);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}
