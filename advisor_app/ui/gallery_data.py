"""The gallery's made-up people and words: customers in the queue, messages left while every
advisor was busy, and a chat, in German and English. Nothing here is real."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    mode: str = "av"
    see_advisor: bool = True
    show_me: bool = True
    greeting: dict[str, str | None] = field(default_factory=dict)


# The first one is taken into the consultation; the others keep waiting in the queue.
CUSTOMERS = (
    Customer(
        "Erika Mustermann",
        "+49 30 1234567",
        greeting={
            "de": "Guten Tag! Ich habe eine Frage zu meiner Baufinanzierung.",
            "en": "Good afternoon! I have a question about my mortgage.",
        },
    ),
    Customer("Max Kunde", "+49 69 9876543"),
    Customer("Aylin Yıldız", "+49 221 555014", mode="text"),
    Customer("Jörg-Peter Schäfer-Lindqvist", "+49 89 3141592", see_advisor=False),
)

OFFLINE_MESSAGES = {
    "de": (
        (
            "Sabine Beispiel",
            "+49 40 2718281",
            "Bitte rufen Sie mich morgen zwischen 9 und 11 Uhr wegen der Anschlussfinanzierung "
            "zurück. Die Zinsbindung läuft im März aus.",
        ),
        (
            "Thomas Probe",
            "+49 711 1618033",
            "Ich möchte einen Termin für eine Beratung zum Bausparvertrag vereinbaren.",
        ),
        (
            "Lena Muster",
            "+49 351 4242424",
            "Meine Karte wurde im Automaten einbehalten. Was muss ich tun?",
        ),
    ),
    "en": (
        (
            "Sabine Beispiel",
            "+49 40 2718281",
            "Please call me back tomorrow between 9 and 11 about the follow-up financing. "
            "My fixed rate ends in March.",
        ),
        (
            "Thomas Probe",
            "+49 711 1618033",
            "I would like to book an appointment about a building savings contract.",
        ),
        (
            "Lena Muster",
            "+49 351 4242424",
            "The cash machine kept my card. What do I need to do?",
        ),
    ),
}

# (who, text): "advisor" lines are typed into the workstation, "customer" lines sent by the
# simulated customer. The customer's greeting comes first, from CUSTOMERS.
CHAT = {
    "de": (
        ("advisor", "Guten Tag, Frau Mustermann! Ich zeige Ihnen gleich das Produktblatt."),
        ("customer", "Sehr gern. Wie hoch ist der Sollzins bei 15 Jahren Zinsbindung?"),
        ("advisor", "Das habe ich Ihnen markiert: Punkt 1 auf der ersten Seite."),
    ),
    "en": (
        ("advisor", "Good afternoon, Ms Mustermann! I will show you the product sheet."),
        ("customer", "Thank you. What is the borrowing rate with 15 years fixed?"),
        ("advisor", "I have marked it for you: pin 1 on the first page."),
    ),
}

PIN_LABEL = {"de": "Sollzins", "en": "Borrowing rate"}

# Customers whose topic is recorded (the demo hub's recording_policy_by_topic): one consented
# to the mandatory recording of securities advice, one declined it on request (text only).
RECORDED_CUSTOMERS = (
    Customer(
        "Hannelore Wertmann",
        "+49 30 7777001",
        greeting={
            "de": "Guten Tag! Ich möchte über einen Fondssparplan sprechen.",
            "en": "Hello! I would like to talk about a fund savings plan.",
        },
    ),
    Customer(
        "Karl Kreditsohn",
        "+49 30 7777002",
        mode="text",
        greeting={
            "de": "Hallo, ich brauche einen Ratenkredit, möchte aber nicht aufgezeichnet werden.",
            "en": "Hello, I need a personal loan but do not want to be recorded.",
        },
    ),
)

MINUTES = {
    "de": "Ratenkredit 10.000 € über 48 Monate besprochen.\nAngebot geht per Post an den Kunden.",
    "en": (
        "Discussed a personal loan of €10,000 over 48 months.\n"
        "The offer goes to the customer by post."
    ),
}
