export default definePageConfig({ navigationBarTitleText: '入园码' })
