export default definePageConfig({
  navigationBarTitleText: '掌上城市',
})
