export default definePageConfig({ navigationBarTitleText: '门票订单' })
