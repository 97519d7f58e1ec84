<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>DocumentPane</name>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/document_pane.py" line="348"/>
        <source>%1: %n page(s)</source>
        <translation>
            <numerusform>%1: %n page</numerusform>
            <numerusform>%1: %n pages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="264"/>
        <source>&amp;Queue (%n)</source>
        <translation>
            <numerusform>&amp;Queue (%n)</numerusform>
            <numerusform>&amp;Queue (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="268"/>
        <source>%n person(s) waiting.</source>
        <translation>
            <numerusform>%n person waiting.</numerusform>
            <numerusform>%n people waiting.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="450"/>
        <source>&amp;Inbox (%n)</source>
        <translation>
            <numerusform>&amp;Inbox (%n)</numerusform>
            <numerusform>&amp;Inbox (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/main_window.py" line="453"/>
        <source>%n new message(s).</source>
        <translation>
            <numerusform>%n new message.</numerusform>
            <numerusform>%n new messages.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/queue_view.py" line="103"/>
        <source>%n person(s) waiting.</source>
        <translation>
            <numerusform>%n person waiting.</numerusform>
            <numerusform>%n people waiting.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RecordDialog</name>
    <message numerus="yes">
        <location filename="../../advisor_app/ui/views/record_view.py" line="233"/>
        <source>Page %1 of %n</source>
        <translation>
            <numerusform>Page %1 of %n</numerusform>
            <numerusform>Page %1 of %n</numerusform>
        </translation>
    </message>
</context>
</TS>
