/**
 * Files dropped in a browser live in the host's upload folder; the person knows them by the
 * name they dropped, so "…/uploads/up-1a2b…/digits/3.png" is shown as "digits/3.png".
 */
export function forPeople(message: string): string {
  return message.replace(/(?:[A-Za-z]:)?[^\s"'`]*[\\/]uploads[\\/]up-[0-9a-zA-Z]+[\\/]/g, '');
}
