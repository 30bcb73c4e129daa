/** French strings, in {@link STRING_KEYS} order. Loaded on first use, as a chunk of its own. */
import type { Table } from "../strings.js";

// French typography: a no-break space before ? and !.
const fr: Table = [
  // Interface strings, in UI_KEYS order.
  "Comment était la qualité de l’appel\u00a0?",
  "Qu’est-ce qui aurait pu être mieux\u00a0?",
  "Dans l’ensemble",
  "Audio",
  "Vidéo",
  "Partage d’écran",
  "{0} sur {1} étoiles",
  "Mauvais",
  "Bon",
  "Qu’est-ce qui n’a pas marché\u00a0?",
  "Autre chose\u00a0? (facultatif)",
  "{0}/{1}",
  "Veuillez aussi donner une note ici.",
  "Suivant",
  "Envoyer",
  "Passer",
  "Envoi…",
  "Merci pour votre avis\u00a0!",
  "Il sera envoyé dès que vous serez de nouveau en ligne.",
  "Votre avis n’a pas pu être envoyé.",
  "Réessayer",
  "Ce questionnaire n’est pas configuré correctement.",
  // Tags: overall, in catalogue order.
  "Je n’ai pas pu rejoindre",
  "Je n’ai pas pu inviter",
  "J’ai dû rejoindre à nouveau",
  "L’appel a coupé",
  "Autre chose",
  // audio
  "Les autres ne m’entendaient pas",
  "Je n’entendais pas les autres",
  "Écho",
  "Bruit de fond",
  "Trop faible",
  "Le son s’est coupé",
  "Voix déformées",
  "Son haché",
  "Autre chose",
  // video
  "Je ne voyais pas les autres",
  "Les autres ne me voyaient pas",
  "Image floue",
  "Image figée",
  "La vidéo s’est arrêtée",
  "Trop sombre",
  "Son et image décalés",
  "Autre chose",
  // screenshare
  "Les autres ne voyaient pas mon écran",
  "Je ne voyais pas l’écran partagé",
  "Je n’ai pas pu partager mon écran",
  "Image floue",
  "Image figée",
  "Le partage s’est arrêté",
  "Long retard",
  "Autre chose",
];
export default fr;
