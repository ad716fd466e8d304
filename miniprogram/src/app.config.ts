export default defineAppConfig({
  pages: [
    'pages/index/index',
    'pages/login/index',
    'pages/profile/index',
    'pages/family/index',
    'pages/identity/callback',
    'pages/identity/bridge',
    'pages/identity/webview',
    'pages/soon/index',
  ],
  window: {
    backgroundTextStyle: 'light',
    navigationBarBackgroundColor: '#1677ff',
    navigationBarTitleText: '掌上城市',
    navigationBarTextStyle: 'white',
    backgroundColor: '#f4f6fa',
  },
})
