// A SAML HTTP-POST binding page: <form data-auto-post> goes on to the vendor at once. Without
// JavaScript the reader presses its Continue button instead.
const form = document.querySelector<HTMLFormElement>('form[data-auto-post]');
form?.submit();
